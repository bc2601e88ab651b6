using Backlinks.Storage;

namespace Backlinks.Queries;

/// <summary>A stored metrics snapshot as callers see it.</summary>
public sealed record MetricsView(
    string Domain,
    DateTimeOffset FetchedAtUtc,
    string JobId,
    bool OnePerDomain,
    long PageCount,
    long LinksIn,
    long LinksOut,
    long BacklinksFollow,
    long BacklinksNofollow,
    double NofollowRatio,
    long RefDomains,
    long LinksFromGov,
    long LinksFromEdu,
    int BacklinkRows,
    string RawBlobPath,
    int? NewLinks,
    int? LostLinks,
    int? UniqueLinks,
    int? SkippedRows,
    bool? IsSample)
{
    /// <remarks>The link counts are null for a snapshot stored before the link tables, until <c>backlinks replay</c>.</remarks>
    public static MetricsView From(MetricsSnapshotEntity e) => new(e.Domain, e.FetchedAtUtc, e.JobId, e.OnePerDomain,
        e.PageCount, e.LinksIn, e.LinksOut, e.BacklinksFollow, e.BacklinksNofollow, e.NofollowRatio, e.RefDomains,
        e.LinksFromGov, e.LinksFromEdu, e.BacklinkRows, e.RawBlobPath, e.NewLinks, e.LostLinks, e.UniqueLinks, e.SkippedRows, e.IsSample);
}
