namespace Backlinks.Storage;

/// <summary>
/// Creates the queues, the container and the tables that are missing. Run once at start by whatever
/// owns the storage locally (the CLI, the local Functions host, the test fixtures); in Azure, <c>infra/</c>
/// declares them and the app's identity needs no right to create anything.
/// </summary>
public sealed class StorageProvisioner(StorageClients storage)
{
    public async Task CreateMissingAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(
            storage.Queues.Select(q => (Task)q.CreateIfNotExistsAsync(cancellationToken: cancellationToken))
                .Append(storage.RawContainer.CreateIfNotExistsAsync(cancellationToken: cancellationToken))
                .Concat(storage.Tables.Select(t => (Task)t.CreateIfNotExistsAsync(cancellationToken))));
    }
}
