using Azure;
using Azure.Data.Tables;

namespace Backlinks.Links;

/// <summary>
/// A referring host of a domain, in <c>backlinkrefdomains</c>: PartitionKey = domain, RowKey = the
/// <c>SourceDomain</c> of its links. Everything in it is rolled up from the domain's link rows
/// (<see cref="RefDomainRollup"/>), so a re-run computes the same row.
/// </summary>
public sealed class RefDomainEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Domain { get; set; } = "";
    public string RefDomain { get; set; } = "";
    public int LiveLinks { get; set; }
    public int DofollowLinks { get; set; }
    public DateTimeOffset FirstSeenUtc { get; set; }
    public DateTimeOffset LastSeenUtc { get; set; }
    public string Status { get; set; } = LinkStatus.Live;
    public bool IsGov { get; set; }
    public bool IsEdu { get; set; }
    public string Tld { get; set; } = "";

    public bool SameAs(RefDomainEntity other) =>
        PartitionKey == other.PartitionKey && RowKey == other.RowKey && Domain == other.Domain && RefDomain == other.RefDomain &&
        LiveLinks == other.LiveLinks && DofollowLinks == other.DofollowLinks &&
        FirstSeenUtc == other.FirstSeenUtc && LastSeenUtc == other.LastSeenUtc &&
        Status == other.Status && IsGov == other.IsGov && IsEdu == other.IsEdu && Tld == other.Tld;
}

/// <summary>Rolls a domain's link rows up into its referring hosts.</summary>
public static class RefDomainRollup
{
    /// <summary>
    /// One row per non-empty <c>SourceDomain</c>: live and dofollow-live link counts, first and last seen
    /// over its links, <c>live</c> while any link is.
    /// </summary>
    public static IEnumerable<RefDomainEntity> From(string domain, IEnumerable<LinkRowEntity> links) =>
        links.Where(l => l.SourceDomain.Length > 0)
            .GroupBy(l => l.SourceDomain, StringComparer.Ordinal)
            .Select(host =>
            {
                var live = host.Count(l => l.IsLive);
                return new RefDomainEntity
                {
                    PartitionKey = domain,
                    RowKey = host.Key,
                    Domain = domain,
                    RefDomain = host.Key,
                    LiveLinks = live,
                    DofollowLinks = host.Count(l => l.IsLive && !l.Nofollow),
                    FirstSeenUtc = host.Min(l => l.FirstSeenUtc),
                    LastSeenUtc = host.Max(l => l.LastSeenUtc),
                    Status = live > 0 ? LinkStatus.Live : LinkStatus.Lost,
                    IsGov = SourceHost.IsGov(host.Key),
                    IsEdu = SourceHost.IsEdu(host.Key),
                    Tld = SourceHost.Tld(host.Key),
                };
            });
}
