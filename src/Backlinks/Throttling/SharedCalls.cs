using Azure;
using Backlinks.Storage;

namespace Backlinks.Throttling;

/// <summary>
/// One API call per (domain, onePerDomain) at a time across the app: the first job claims the pair,
/// others wait and are then served the snapshot the first one stored.
/// </summary>
public sealed class SharedCalls(StorageClients storage)
{
    // Longer than any one call with its retries; a crashed leader stops blocking the pair after it.
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    public static string Key(string domain, bool onePerDomain) => $"{domain}|{(onePerDomain ? 1 : 0)}";

    /// <summary>True when this job may call: nobody else is calling for the pair (or the job already holds it).</summary>
    public async Task<bool> TryClaimAsync(string domain, bool onePerDomain, string jobId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await OptimisticUpdate.UpdateAsync<SharedCallEntity>(storage.ControlTable, SharedCallEntity.Partition, Key(domain, onePerDomain),
            current => current is null || current.LeaderJobId == jobId || current.ExpiresAtUtc <= now
                ? new SharedCallEntity { LeaderJobId = jobId, ExpiresAtUtc = now + Lease }
                : null,
            cancellationToken) is not null;

    public async Task ReleaseAsync(string domain, bool onePerDomain, string jobId, CancellationToken cancellationToken)
    {
        var key = Key(domain, onePerDomain);
        var row = await storage.ControlTable.GetEntityIfExistsAsync<SharedCallEntity>(SharedCallEntity.Partition, key, cancellationToken: cancellationToken);
        if (row.HasValue && row.Value!.LeaderJobId == jobId)
        {
            try
            {
                await storage.ControlTable.DeleteEntityAsync(SharedCallEntity.Partition, key, row.Value.ETag, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Already gone, or taken over after the lease ran out.
            }
        }
    }
}
