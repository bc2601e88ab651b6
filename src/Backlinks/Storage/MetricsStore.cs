using Azure.Data.Tables;

namespace Backlinks.Storage;

/// <summary>Reads and writes metrics snapshots: the history table and the latest-per-domain table.</summary>
public sealed class MetricsStore(StorageClients storage)
{
    /// <summary>
    /// Upserts the history row (keyed on the job id, so a redelivery rewrites the same row) and
    /// replaces the domain's latest row unless a newer snapshot is already there.
    /// </summary>
    public async Task SaveAsync(MetricsSnapshotEntity snapshot, CancellationToken cancellationToken)
    {
        await storage.MetricsTable.UpsertEntityAsync(snapshot, TableUpdateMode.Replace, cancellationToken);
        await ReplaceLatestIfNewerAsync(snapshot.AsLatest(), cancellationToken);
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
