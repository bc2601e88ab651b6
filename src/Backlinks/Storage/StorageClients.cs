using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace Backlinks.Storage;

/// <summary>
/// The storage clients of the pipeline, created once and shared (they are thread-safe and hold
/// the connection pools). <see cref="EnsureCreatedAsync"/> creates missing resources once per process.
/// </summary>
public sealed class StorageClients
{
    /// <summary>
    /// The Functions queue trigger expects Base64 bodies (host.json <c>extensions.queues.messageEncoding</c>);
    /// the SDK sends plain text unless told otherwise. Both sides must agree or messages go to poison silently.
    /// </summary>
    public const QueueMessageEncoding MessageEncoding = QueueMessageEncoding.Base64;

    private readonly Lock _gate = new();
    private Task? _created;

    public StorageClients(StorageConnection connection, IOptions<StorageOptions> options)
    {
        var names = options.Value;
        var queueOptions = Retrying(new QueueClientOptions { MessageEncoding = MessageEncoding });
        var blobOptions = Retrying(new BlobClientOptions());
        var tableOptions = Retrying(new TableClientOptions());
        var (queues, blobs, tables) = connection.ConnectionString is { } connectionString
            ? (new QueueServiceClient(connectionString, queueOptions),
               new BlobServiceClient(connectionString, blobOptions),
               new TableServiceClient(connectionString, tableOptions))
            : (new QueueServiceClient(connection.QueueServiceUri, connection.Credential, queueOptions),
               new BlobServiceClient(connection.BlobServiceUri, connection.Credential, blobOptions),
               new TableServiceClient(connection.TableServiceUri, connection.Credential, tableOptions));

        JobsQueue = queues.GetQueueClient(names.JobsQueue);
        PoisonQueue = queues.GetQueueClient(names.PoisonQueue);
        RawContainer = blobs.GetBlobContainerClient(names.RawContainer);
        MetricsTable = tables.GetTableClient(names.MetricsTable);
        LatestMetricsTable = tables.GetTableClient(names.LatestMetricsTable);
        JobsTable = tables.GetTableClient(names.JobsTable);
        ControlTable = tables.GetTableClient(names.ControlTable);
        LinkRowsTable = tables.GetTableClient(names.LinkRowsTable);
        LinkChangesTable = tables.GetTableClient(names.LinkChangesTable);
        RefDomainsTable = tables.GetTableClient(names.RefDomainsTable);
    }

    // Storage blips are retried a few times within seconds; an unreachable account fails within
    // about 5 s instead of the SDK's default minute, so callers (and people at the CLI) hear of it.
    private static T Retrying<T>(T options)
        where T : Azure.Core.ClientOptions
    {
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(4);
        return options;
    }

    public QueueClient JobsQueue { get; }
    public QueueClient PoisonQueue { get; }
    public BlobContainerClient RawContainer { get; }
    public TableClient MetricsTable { get; }
    public TableClient LatestMetricsTable { get; }
    public TableClient JobsTable { get; }
    public TableClient ControlTable { get; }
    public TableClient LinkRowsTable { get; }
    public TableClient LinkChangesTable { get; }
    public TableClient RefDomainsTable { get; }

    public Task EnsureCreatedAsync()
    {
        lock (_gate)
        {
            // A failed attempt (storage briefly unreachable) is not cached: the next caller tries again.
            if (_created is null || _created.IsFaulted || _created.IsCanceled)
            {
                _created = CreateAllAsync();
            }
            return _created;
        }
    }

    private async Task CreateAllAsync()
    {
        await Task.WhenAll(
            JobsQueue.CreateIfNotExistsAsync(),
            PoisonQueue.CreateIfNotExistsAsync(),
            RawContainer.CreateIfNotExistsAsync(),
            MetricsTable.CreateIfNotExistsAsync(),
            LatestMetricsTable.CreateIfNotExistsAsync(),
            JobsTable.CreateIfNotExistsAsync(),
            ControlTable.CreateIfNotExistsAsync(),
            LinkRowsTable.CreateIfNotExistsAsync(),
            LinkChangesTable.CreateIfNotExistsAsync(),
            RefDomainsTable.CreateIfNotExistsAsync());
    }
}
