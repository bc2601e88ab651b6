using Backlinks.Storage;

namespace Backlinks.Links;

/// <summary>Which raw blobs to replay: one domain's or all, fetched since a time or ever.</summary>
public sealed record ReplayRequest(string? Domain, DateTimeOffset? Since);

/// <summary>The raw blobs to replay, per domain in snapshot order.</summary>
public sealed record ReplayPlan(IReadOnlyList<IReadOnlyList<StoredSnapshotInfo>> Domains, int Unreadable)
{
    public int Snapshots => Domains.Sum(d => d.Count);
}

/// <summary>What a replay did.</summary>
public sealed record ReplaySummary(int Domains, int Snapshots, int Applied, int Late, int AlreadyApplied, int Unreadable, int NewLinks, int LostLinks);

/// <summary>
/// Rebuilds the derived tables (metrics history and latest, link rows, changes, referring domains) from
/// the raw blobs alone: no API call, no credit. Each blob goes through <see cref="SnapshotIngestor"/>, a
/// domain's in snapshot order, so a snapshot already applied is left as it is and a second replay
/// writes nothing. Domains are independent and replay a few at a time.
/// </summary>
public sealed class SnapshotReplayer(RawSnapshots raw, SnapshotIngestor ingestor, LinkTables tables, StorageClients storage)
{
    private const int DomainsInParallel = 4;

    public async Task<ReplayPlan> PlanAsync(ReplayRequest request, CancellationToken cancellationToken)
    {
        var unreadable = 0;
        var listed = await raw.ListAsync(request.Domain, _ => unreadable++, cancellationToken);
        var domains = listed
            .Where(s => request.Since is not { } since || s.FetchedAtUtc >= since)
            .GroupBy(s => s.Domain, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (IReadOnlyList<StoredSnapshotInfo>)g
                .OrderBy(s => s.FetchedAtUtc.UtcTicks).ThenBy(s => s.JobId, StringComparer.Ordinal).ToList())
            .ToList();
        return new ReplayPlan(domains, unreadable);
    }

    /// <param name="progress">Told of each snapshot done.</param>
    public async Task<ReplaySummary> RunAsync(ReplayPlan plan, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        // Deleted derived tables are what a rebuild starts from: create them again.
        await Task.WhenAll(
            storage.MetricsTable.CreateIfNotExistsAsync(cancellationToken),
            storage.LatestMetricsTable.CreateIfNotExistsAsync(cancellationToken),
            tables.Rows.CreateIfNotExistsAsync(cancellationToken),
            tables.Changes.CreateIfNotExistsAsync(cancellationToken),
            tables.RefDomains.CreateIfNotExistsAsync(cancellationToken),
            tables.Control.CreateIfNotExistsAsync(cancellationToken));

        int done = 0, applied = 0, late = 0, already = 0, unreadable = plan.Unreadable, newLinks = 0, lostLinks = 0;
        await Parallel.ForEachAsync(plan.Domains, new ParallelOptions { MaxDegreeOfParallelism = DomainsInParallel, CancellationToken = cancellationToken },
            async (snapshots, token) =>
            {
                foreach (var info in snapshots)
                {
                    if (await raw.TryReadAsync(info.RawBlobPath, token) is not { } snapshot)
                    {
                        Interlocked.Increment(ref unreadable);
                    }
                    else
                    {
                        var result = await ingestor.ApplyAsync(snapshot, token);
                        if (result.Kind == SnapshotApplyKind.Applied)
                        {
                            Interlocked.Increment(ref applied);
                            Interlocked.Add(ref newLinks, result.Metrics.NewLinks ?? 0);
                            Interlocked.Add(ref lostLinks, result.Metrics.LostLinks ?? 0);
                        }
                        else
                        {
                            Interlocked.Increment(ref result.Kind == SnapshotApplyKind.Late ? ref late : ref already);
                        }
                    }
                    progress?.Report(Interlocked.Increment(ref done));
                }
            });
        return new ReplaySummary(plan.Domains.Count, plan.Snapshots, applied, late, already, unreadable, newLinks, lostLinks);
    }
}
