using Azure.Data.Tables;

namespace Backlinks.Storage;

/// <summary>Reads and writes metrics snapshots: the history table and the latest-per-domain table.</summary>
public sealed class MetricsStore(StorageClients storage)
{
    /// <summary>
    /// Upserts the history row (keyed on the job id, so a redelivery rewrites the same row) and
    /// replaces the domain's latest row unless a newer snapshot is already there.
    /// </summary>
    /// <param name="latestAsRead">The latest row as this job read it (its <see cref="LatestRowAsRead.Row"/> null when there was none):
    /// then the latest row is written in one conditional request (an insert, or a replace on its ETag), and read
    /// again only when someone wrote in between. Without it, the latest row is read first.</param>
    public async Task SaveAsync(MetricsSnapshotEntity snapshot, LatestRowAsRead? latestAsRead, CancellationToken cancellationToken)
    {
        if (latestAsRead is null)
        {
            await SaveAsync(snapshot, cancellationToken);
            return;
        }
        await storage.MetricsTable.UpsertEntityAsync(snapshot, TableUpdateMode.Replace, cancellationToken);
        var latest = snapshot.AsLatest();
        if (latestAsRead.Row is { } read && read.FetchedAtUtc > latest.FetchedAtUtc)
        {
            return;
        }
        try
        {
            await (latestAsRead.Row is { } current
                ? storage.LatestMetricsTable.UpdateEntityAsync(latest, current.ETag, TableUpdateMode.Replace, cancellationToken)
                : storage.LatestMetricsTable.AddEntityAsync(latest, cancellationToken));
        }
        catch (Azure.RequestFailedException e) when (e.Status is 409 or 412)
        {
            await ReplaceLatestIfNewerAsync(latest, cancellationToken);
        }
    }

    /// <summary>Upserts the history row and replaces the latest row unless a newer snapshot is there (read, then a conditional write).</summary>
    public async Task SaveAsync(MetricsSnapshotEntity snapshot, CancellationToken cancellationToken)
    {
        await storage.MetricsTable.UpsertEntityAsync(snapshot, TableUpdateMode.Replace, cancellationToken);
        await ReplaceLatestIfNewerAsync(snapshot.AsLatest(), cancellationToken);
    }

    /// <summary>
    /// The newest snapshot of a (domain, onePerDomain) pair, and the domain's latest row. One point read
    /// when the latest row is of the same pair (the usual case); otherwise a query of the pair's history too.
    /// </summary>
    public async Task<(MetricsSnapshotEntity? PairNewest, MetricsSnapshotEntity? Latest)> FindNewestAsync(string domain, bool onePerDomain, CancellationToken cancellationToken)
    {
        var latest = await GetLatestAsync(domain, cancellationToken);
        if (latest is null || latest.OnePerDomain == onePerDomain)
        {
            return (latest, latest);
        }
        return (await GetNewestAsync(domain, onePerDomain, cancellationToken), latest);
    }

    public async Task<MetricsSnapshotEntity?> GetLatestAsync(string domain, CancellationToken cancellationToken)
    {
        var row = await storage.LatestMetricsTable.GetEntityIfExistsAsync<MetricsSnapshotEntity>(
            domain, MetricsSnapshotEntity.LatestRowKey, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public async Task<MetricsSnapshotEntity?> GetSnapshotAsync(string domain, string jobId, CancellationToken cancellationToken)
    {
        var row = await storage.MetricsTable.GetEntityIfExistsAsync<MetricsSnapshotEntity>(domain, jobId, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public async Task<IReadOnlyList<MetricsSnapshotEntity>> GetHistoryAsync(string domain, CancellationToken cancellationToken)
    {
        var rows = new List<MetricsSnapshotEntity>();
        await foreach (var row in storage.MetricsTable.QueryAsync<MetricsSnapshotEntity>(e => e.PartitionKey == domain, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>The latest snapshot of every domain.</summary>
    public async Task<IReadOnlyList<MetricsSnapshotEntity>> GetAllLatestAsync(CancellationToken cancellationToken)
    {
        var rows = new List<MetricsSnapshotEntity>();
        await foreach (var row in storage.LatestMetricsTable.QueryAsync<MetricsSnapshotEntity>(cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>The newest snapshot of a (domain, onePerDomain) pair, or null.</summary>
    public async Task<MetricsSnapshotEntity?> GetNewestAsync(string domain, bool onePerDomain, CancellationToken cancellationToken)
    {
        MetricsSnapshotEntity? newest = null;
        await foreach (var row in storage.MetricsTable.QueryAsync<MetricsSnapshotEntity>(
            e => e.PartitionKey == domain && e.OnePerDomain == onePerDomain, cancellationToken: cancellationToken))
        {
            if (newest is null || row.FetchedAtUtc > newest.FetchedAtUtc)
            {
                newest = row;
            }
        }
        return newest;
    }

    // Two jobs for one domain may finish together, and the older must not win.
    private Task ReplaceLatestIfNewerAsync(MetricsSnapshotEntity latest, CancellationToken cancellationToken) =>
        OptimisticUpdate.UpdateAsync<MetricsSnapshotEntity>(storage.LatestMetricsTable, latest.PartitionKey, latest.RowKey,
            current => current is not null && current.FetchedAtUtc > latest.FetchedAtUtc ? null : latest, cancellationToken);
}

/// <summary>A domain's latest metrics row as a caller read it: <see cref="Row"/> is null when it read none.</summary>
public sealed record LatestRowAsRead(MetricsSnapshotEntity? Row);
