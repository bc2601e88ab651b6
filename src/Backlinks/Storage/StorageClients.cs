using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace Backlinks.Storage;

/// <summary>
/// The storage clients of the pipeline, created once and shared (they are thread-safe and hold the
/// connection pools). The resources themselves are created by <see cref="StorageProvisioner"/> at start
/// (CLI, local Functions host, tests) or by <c>infra/</c> in Azure, never lazily on the way.
/// </summary>
public sealed class StorageClients
{
    /// <summary>
    /// The Functions queue trigger expects Base64 bodies (host.json <c>extensions.queues.messageEncoding</c>);
    /// the SDK sends plain text unless told otherwise. Both sides must agree or messages go to poison silently.
    /// </summary>
    public const QueueMessageEncoding MessageEncoding = QueueMessageEncoding.Base64;

    /// <param name="policies">Extra pipeline policies for every client (the tests count and fail requests with them).</param>
    public StorageClients(StorageConnection connection, IOptions<StorageOptions> options, IEnumerable<HttpPipelinePolicy> policies)
    {
        var names = options.Value;
        var extra = policies.ToList();
        var queueOptions = Configure(new QueueClientOptions { MessageEncoding = MessageEncoding }, names.RetryDelay, names.NetworkTimeout, extra);
        var blobOptions = Configure(new BlobClientOptions(), names.RetryDelay, names.NetworkTimeout, extra);
        blobOptions.AddPolicy(new UploadTimeout(), HttpPipelinePosition.PerCall);
        var tableOptions = Configure(new TableClientOptions(), names.RetryDelay, names.NetworkTimeout, extra);
        var (queues, blobs, tables) = connection.ConnectionString is { } connectionString
            ? (new QueueServiceClient(connectionString, queueOptions),
               new BlobServiceClient(connectionString, blobOptions),
               new TableServiceClient(connectionString, tableOptions))
            : (new QueueServiceClient(connection.QueueServiceUri, connection.Credential, queueOptions),
               new BlobServiceClient(connection.BlobServiceUri, connection.Credential, blobOptions),
               new TableServiceClient(connection.TableServiceUri, connection.Credential, tableOptions));

        Connection = connection;
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
        WatchListTable = tables.GetTableClient(names.WatchListTable);
    }

    // Storage blips are retried a few times within seconds; an unreachable account fails within
    // about 5 s instead of the SDK's default minute, so callers (and people at the CLI) hear of it.
    private static T Configure<T>(T options, TimeSpan retryDelay, TimeSpan networkTimeout, IReadOnlyList<HttpPipelinePolicy> policies)
        where T : ClientOptions
    {
        options.Retry.MaxRetries = Tries - 1;
        options.Retry.Delay = retryDelay;
        options.Retry.MaxDelay = retryDelay * 8;
        options.Retry.NetworkTimeout = networkTimeout;
        foreach (var policy in policies)
        {
            options.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        }
        return options;
    }

    /// <summary>How many times a storage request is sent before it fails: the first try and three retries.</summary>
    public const int Tries = 4;

    /// <summary>
    /// A raw answer of several megabytes must have time to upload: a blob request with a body that is not small
    /// gets the SDK's own 100 s a try, not <see cref="StorageOptions.NetworkTimeout"/>.
    /// </summary>
    private sealed class UploadTimeout : HttpPipelineSynchronousPolicy
    {
        private const long SmallBody = 64 * 1024;
        private static readonly TimeSpan LargeTransfer = TimeSpan.FromSeconds(100);

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Content is { } content && !(content.TryComputeLength(out var length) && length <= SmallBody))
            {
                message.NetworkTimeout = LargeTransfer;
            }
        }
    }

    public StorageConnection Connection { get; }
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
    public TableClient WatchListTable { get; }

    public IEnumerable<QueueClient> Queues => [JobsQueue, PoisonQueue];

    public IEnumerable<TableClient> Tables => [MetricsTable, LatestMetricsTable, JobsTable, ControlTable, LinkRowsTable, LinkChangesTable, RefDomainsTable, WatchListTable];
}
