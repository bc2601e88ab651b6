using Azure;
using Azure.Data.Tables;

namespace Backlinks.Links;

/// <summary>
/// The current state of one link of a domain, in <c>backlinkrows</c>: PartitionKey = domain, RowKey =
/// <see cref="LinkKey"/>. Its state changes only through <see cref="FirstSeen"/>, <see cref="SeenIn"/>
/// and <see cref="LostIn"/>, each returning the next row and leaving this one as it was read.
/// </summary>
public sealed class LinkRowEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Domain { get; set; } = "";
    public string SourceUrl { get; set; } = "";
    public string TargetUrl { get; set; } = "";
    public string SourceDomain { get; set; } = "";
    public string Anchor { get; set; } = "";
    public string Title { get; set; } = "";
    public bool Nofollow { get; set; }
    public bool IsGov { get; set; }
    public bool IsEdu { get; set; }
    public DateTimeOffset FirstSeenUtc { get; set; }
    public DateTimeOffset LastSeenUtc { get; set; }
    public string FirstSeenJobId { get; set; } = "";
    public string LastSeenJobId { get; set; } = "";
    public string Status { get; set; } = LinkStatus.Live;
    public DateTimeOffset? LostAtUtc { get; set; }

    public bool IsLive => Status == LinkStatus.Live;

    public static LinkRowEntity FirstSeen(string domain, LinkObservation link, SnapshotStamp at) => new LinkRowEntity
    {
        PartitionKey = domain,
        RowKey = link.Key,
        Domain = domain,
        FirstSeenUtc = at.FetchedAtUtc,
        FirstSeenJobId = at.JobId,
    }.SeenIn(link, at);

    /// <summary>Seen by a snapshot: live, refreshed with what the snapshot shows (a lost link comes back).</summary>
    public LinkRowEntity SeenIn(LinkObservation link, SnapshotStamp at)
    {
        var next = Copy();
        next.SourceUrl = link.SourceUrl;
        next.TargetUrl = link.TargetUrl;
        next.SourceDomain = link.SourceDomain;
        next.Anchor = link.Anchor;
        next.Title = link.Title;
        next.Nofollow = link.Nofollow;
        next.IsGov = SourceHost.IsGov(link.SourceDomain);
        next.IsEdu = SourceHost.IsEdu(link.SourceDomain);
        next.LastSeenUtc = at.FetchedAtUtc;
        next.LastSeenJobId = at.JobId;
        next.Status = LinkStatus.Live;
        next.LostAtUtc = null;
        return next;
    }

    /// <summary>Missing from a complete snapshot: lost at its time. A lost link stays as it is.</summary>
    public LinkRowEntity LostIn(SnapshotStamp at)
    {
        if (!IsLive)
        {
            return this;
        }
        var next = Copy();
        next.Status = LinkStatus.Lost;
        next.LostAtUtc = at.FetchedAtUtc;
        return next;
    }

    /// <summary>True when the snapshot already wrote this row (a crashed or repeated run of it).</summary>
    public bool WrittenBy(SnapshotStamp at) =>
        (LastSeenJobId == at.JobId && LastSeenUtc == at.FetchedAtUtc) || (!IsLive && LostAtUtc == at.FetchedAtUtc);

    /// <summary>Equal in every stored column (Timestamp and ETag aside): writing one over the other changes nothing.</summary>
    public bool SameAs(LinkRowEntity other) =>
        PartitionKey == other.PartitionKey && RowKey == other.RowKey && Domain == other.Domain &&
        SourceUrl == other.SourceUrl && TargetUrl == other.TargetUrl && SourceDomain == other.SourceDomain &&
        Anchor == other.Anchor && Title == other.Title && Nofollow == other.Nofollow && IsGov == other.IsGov && IsEdu == other.IsEdu &&
        FirstSeenUtc == other.FirstSeenUtc && LastSeenUtc == other.LastSeenUtc &&
        FirstSeenJobId == other.FirstSeenJobId && LastSeenJobId == other.LastSeenJobId &&
        Status == other.Status && LostAtUtc == other.LostAtUtc;

    private LinkRowEntity Copy()
    {
        var copy = (LinkRowEntity)MemberwiseClone();
        copy.ETag = default;
        copy.Timestamp = null;
        return copy;
    }
}
