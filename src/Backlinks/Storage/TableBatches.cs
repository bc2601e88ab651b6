using Azure.Data.Tables;

namespace Backlinks.Storage;

/// <summary>
/// Writes entities in entity-group transactions. Azure accepts a batch only within one partition and
/// up to 100 entities (Azurite is laxer, so the grouping is done and tested here, not left to the emulator).
/// </summary>
public static class TableBatches
{
    public const int MaxEntitiesPerBatch = 100;

    public static IReadOnlyList<IReadOnlyList<T>> Plan<T>(IEnumerable<T> entities)
        where T : ITableEntity =>
        entities
            .GroupBy(e => e.PartitionKey, StringComparer.Ordinal)
            .SelectMany(partition => partition.Chunk(MaxEntitiesPerBatch))
            .Select(chunk => (IReadOnlyList<T>)chunk)
            .ToList();

    public static async Task SubmitAsync<T>(TableClient table, IEnumerable<T> entities, TableTransactionActionType action, CancellationToken cancellationToken)
        where T : ITableEntity
    {
        foreach (var batch in Plan(entities))
        {
            await table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(action, e)), cancellationToken);
        }
    }

    /// <summary>The same batches, up to <paramref name="maxInFlight"/> at once: a batch is one round trip, and they are independent.</summary>
    public static Task SubmitAsync<T>(TableClient table, IEnumerable<T> entities, TableTransactionActionType action, int maxInFlight, CancellationToken cancellationToken)
        where T : ITableEntity =>
        Parallel.ForEachAsync(Plan(entities), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxInFlight), CancellationToken = cancellationToken },
            async (batch, token) => await table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(action, e)), token));
}
