using Azure;
using Azure.Data.Tables;
using Backlinks.DomDetailer;

namespace Backlinks.Storage;

/// <summary>
/// One metrics snapshot, flat and typed for Power BI. In <c>backlinkmetrics</c> (history):
/// PartitionKey = domain, RowKey = job id (time-ordered). In <c>backlinkmetricslatest</c>:
/// PartitionKey = domain, RowKey = <see cref="LatestRowKey"/>.
/// </summary>
public sealed class MetricsSnapshotEntity : ITableEntity
{
    public const string LatestRowKey = "latest";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";

    /// <summary>Last-modified time kept by the service; the snapshot time is <see cref="FetchedAtUtc"/>.</summary>
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Domain { get; set; } = "";
    public DateTimeOffset FetchedAtUtc { get; set; }
    public string JobId { get; set; } = "";
    public bool OnePerDomain { get; set; }
    public long PageCount { get; set; }
    public long LinksIn { get; set; }
    public long LinksOut { get; set; }
    public long BacklinksFollow { get; set; }
    public long BacklinksNofollow { get; set; }
    public double NofollowRatio { get; set; }
    public long RefDomains { get; set; }
    public long LinksFromGov { get; set; }
    public long LinksFromEdu { get; set; }
    public int BacklinkRows { get; set; }
    public string RawBlobPath { get; set; } = "";

    // Link counts (Links/SnapshotIngestor). Null on rows stored before the link tables existed, until
    // 'backlinks replay' fills them in: a set IsSample is how the ingest knows a snapshot was applied.
    public int? NewLinks { get; set; }
    public int? LostLinks { get; set; }
    public int? UniqueLinks { get; set; }
    public int? SkippedRows { get; set; }
    public bool? IsSample { get; set; }

    public static MetricsSnapshotEntity ForHistory(string domain, string jobId, bool onePerDomain, DateTimeOffset fetchedAt,
        BacklinksResponse response, string rawBlobPath)
    {
        var m = response.Metrics!;
        return new MetricsSnapshotEntity
        {
            PartitionKey = domain,
            RowKey = jobId,
            Domain = domain,
            FetchedAtUtc = fetchedAt.ToUniversalTime(),
            JobId = jobId,
            OnePerDomain = onePerDomain,
            PageCount = m.PageCount,
            LinksIn = m.LinksIn,
            LinksOut = m.LinksOut,
            BacklinksFollow = m.BacklinksFollow,
            BacklinksNofollow = m.BacklinksNofollow,
            NofollowRatio = m.NofollowRatio,
            RefDomains = m.RefDomains,
            LinksFromGov = m.LinksFromGov,
            LinksFromEdu = m.LinksFromEdu,
            BacklinkRows = response.Backlinks.Count,
            RawBlobPath = rawBlobPath,
        };
    }

    public MetricsSnapshotEntity AsLatest()
    {
        var latest = (MetricsSnapshotEntity)MemberwiseClone();
        latest.RowKey = LatestRowKey;
        latest.ETag = default;
        latest.Timestamp = null;
        return latest;
    }
}
