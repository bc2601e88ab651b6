using Backlinks.Storage;
using Microsoft.Extensions.Hosting;

namespace Backlinks.Functions;

/// <summary>
/// Against a connection string (Azurite under <c>func start</c>) the app creates its queues, container and
/// tables at start, as the CLI does. In Azure (identity-based connection) <c>infra/</c> declares them.
/// </summary>
internal sealed class LocalStorageProvisioning(StorageClients storage, StorageProvisioner provisioner) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        storage.Connection.UsesIdentity ? Task.CompletedTask : provisioner.CreateMissingAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
