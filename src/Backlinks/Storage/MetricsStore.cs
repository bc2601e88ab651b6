using Azure;
using Azure.Data.Tables;

namespace Backlinks.Storage;

/// <summary>Reads and writes metrics snapshots: the history table and the latest-per-domain table.</summary>
public sealed class MetricsStore(StorageClients storage)
{
    private const int MaxConcurrentUpdateTries = 5;

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

    // Optimistic concurrency: two jobs for one domain may finish together, and the older must not win.
    private async Task ReplaceLatestIfNewerAsync(MetricsSnapshotEntity latest, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await GetLatestAsync(latest.PartitionKey, cancellationToken);
            if (current is not null && current.FetchedAtUtc > latest.FetchedAtUtc)
            {
                return;
            }
            try
            {
                if (current is null)
                {
                    await storage.LatestMetricsTable.AddEntityAsync(latest, cancellationToken);
                }
                else
                {
                    await storage.LatestMetricsTable.UpdateEntityAsync(latest, current.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxConcurrentUpdateTries)
            {
                // Someone else wrote in between: read again and decide again.
            }
        }
    }
}
