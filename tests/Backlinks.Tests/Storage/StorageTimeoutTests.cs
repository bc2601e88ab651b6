using System.Net;
using System.Net.Sockets;
using Azure.Core;
using Azure.Core.Pipeline;
using Backlinks.Storage;
using Backlinks.Testing;
using Backlinks.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Backlinks.Tests.Storage;

/// <summary>
/// Storage that takes connections and never answers is reported within <see cref="StorageOptions.NetworkTimeout"/> a
/// try, while an upload keeps the SDK's 100 s a try: a raw answer of megabytes must have time to go.
/// </summary>
public sealed class StorageTimeoutTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    /// <summary>Records the network timeout each try of a request goes out with (null: the client's own).</summary>
    private sealed class TimeoutRecorder : HttpPipelineSynchronousPolicy
    {
        public List<(string Method, long? Length, TimeSpan? Timeout)> Tries { get; } = [];

        public override void OnSendingRequest(HttpMessage message)
        {
            long? length = message.Request.Content is { } content && content.TryComputeLength(out var l) ? l : null;
            lock (Tries)
            {
                Tries.Add((message.Request.Method.ToString(), length, message.NetworkTimeout));
            }
        }
    }

    private static StorageClients Clients(string connectionString, TimeSpan networkTimeout, params HttpPipelinePolicy[] policies) =>
        new(StorageConnection.ForConnectionString(connectionString),
            Options.Create(new StorageOptions { RawContainer = $"timeouts-{Guid.NewGuid():N}"[..30], NetworkTimeout = networkTimeout, RetryDelay = TimeSpan.FromMilliseconds(10) }),
            policies);

    [Fact]
    public async Task Storage_that_never_answers_fails_after_four_tries_of_the_network_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // connections are accepted by the kernel and never answered
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var clients = Clients(AzuriteProcess.ConnectionStringFor(port, port, port), TimeSpan.FromMilliseconds(200));
        var started = System.Diagnostics.Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<AggregateException>(() => clients.JobsTable.GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>("p", "r"));

        Assert.Equal(StorageClients.Tries, failure.InnerExceptions.Count);
        Assert.All(failure.InnerExceptions, e => Assert.IsAssignableFrom<OperationCanceledException>(e));
        Assert.True(StorageFaults.IsTransient(failure));
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(30)); // not the SDK's 4 × 100 s
    }

    [Fact]
    public async Task An_upload_gets_the_long_timeout_and_every_other_request_the_short_one()
    {
        var recorder = new TimeoutRecorder();
        var clients = Clients(azurite.ConnectionString, TimeSpan.FromSeconds(3), recorder);
        await clients.RawContainer.CreateIfNotExistsAsync();
        try
        {
            await clients.RawContainer.UploadBlobAsync("small.json", BinaryData.FromString("{}"));
            await clients.RawContainer.UploadBlobAsync("large.json", BinaryData.FromBytes(new byte[2 * 1024 * 1024]));
            await clients.RawContainer.GetBlobClient("large.json").DownloadContentAsync();

            Assert.Equal(
                [("PUT", (long?)null, (TimeSpan?)null), ("PUT", 2L, null), ("PUT", 2L * 1024 * 1024, TimeSpan.FromSeconds(100)), ("GET", null, null)],
                recorder.Tries.Select(t => (t.Method, t.Length, t.Timeout)));
        }
        finally
        {
            await clients.RawContainer.DeleteIfExistsAsync();
        }
    }
}
