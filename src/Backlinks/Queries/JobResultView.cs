namespace Backlinks.Queries;

/// <summary>What a succeeded job points at.</summary>
public sealed record JobResultView(string RawBlobPath, DateTimeOffset? FetchedAtUtc, int? BacklinkRows, bool ServedFromCache, MetricsView? Metrics);
