using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace Backlinks.Links;

/// <summary>
/// One link gained or lost by one snapshot, in <c>backlinkchanges</c>: PartitionKey = domain, RowKey =
/// <c>{snapshot time as 19-digit UTC ticks}-{job id}-{link key}</c>, which a re-run of the same snapshot
/// reproduces (so it rewrites, never adds) and which sorts by time (so "since" is a key range).
/// </summary>
public sealed class LinkChangeEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Domain { get; set; } = "";
    public string Change { get; set; } = "";
    public DateTimeOffset DetectedAtUtc { get; set; }
    public string JobId { get; set; } = "";
    public string SourceUrl { get; set; } = "";
    public string TargetUrl { get; set; } = "";
    public string SourceDomain { get; set; } = "";
    public string Anchor { get; set; } = "";
    public bool Nofollow { get; set; }

    /// <summary>The RowKey prefix of every change a snapshot records.</summary>
    public static string PrefixFor(SnapshotStamp at) => $"{TimeKey(at.FetchedAtUtc)}-{at.JobId}-";

    /// <summary>The smallest RowKey of a change detected at or after <paramref name="since"/>.</summary>
    public static string TimeKey(DateTimeOffset since) => since.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    public static LinkChangeEntity For(string change, LinkRowEntity link, SnapshotStamp at) => new()
    {
        PartitionKey = link.PartitionKey,
        RowKey = PrefixFor(at) + link.RowKey,
        Domain = link.Domain,
        Change = change,
        DetectedAtUtc = at.FetchedAtUtc,
        JobId = at.JobId,
        SourceUrl = link.SourceUrl,
        TargetUrl = link.TargetUrl,
        SourceDomain = link.SourceDomain,
        Anchor = link.Anchor,
        Nofollow = link.Nofollow,
    };
}
