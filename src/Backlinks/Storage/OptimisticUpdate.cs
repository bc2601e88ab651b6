using Azure;
using Azure.Data.Tables;

namespace Backlinks.Storage;

/// <summary>
/// Read, decide, write with the ETag read, and start over if another writer got there first: how
/// rows that several instances change at once (shared pause, credit ledger, latest metrics) stay right.
/// </summary>
public static class OptimisticUpdate
{
    private const int MaxTries = 50;

    /// <param name="decide">Given the current row (null when there is none), the row to write, or null to leave it as it is.</param>
    /// <returns>What was written, or null when <paramref name="decide"/> chose not to write.</returns>
    public static async Task<T?> UpdateAsync<T>(TableClient table, string partitionKey, string rowKey,
        Func<T?, T?> decide, CancellationToken cancellationToken)
        where T : class, ITableEntity, new()
    {
        for (var attempt = 1; ; attempt++)
        {
            var read = await table.GetEntityIfExistsAsync<T>(partitionKey, rowKey, cancellationToken: cancellationToken);
            var current = read.HasValue ? read.Value : null;
            var next = decide(current);
            if (next is null)
            {
                return null;
            }
            next.PartitionKey = partitionKey;
            next.RowKey = rowKey;
            try
            {
                var response = current is null
                    ? await table.AddEntityAsync(next, cancellationToken)
                    : await table.UpdateEntityAsync(next, current.ETag, TableUpdateMode.Replace, cancellationToken);
                next.ETag = response.Headers.ETag ?? default;
                return next;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxTries)
            {
                // Another writer was first: read again and decide again.
            }
        }
    }
}
