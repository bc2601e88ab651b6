using Azure.Core;
using Azure.Core.Pipeline;

namespace Backlinks.Cli.Hosting;

/// <summary>
/// Says on stderr when a storage request got no answer within its network timeout and is tried again: storage
/// that takes connections and never answers would otherwise keep a command silent until the SDK gives up.
/// Sits in every storage client's pipeline, once per try, between the retries and the transport.
/// </summary>
internal sealed class StorageWaitNotice(Action<string> write) : HttpPipelinePolicy
{
    // Requests go out side by side (the resources are created at once, jobs run in parallel): one line says it for all.
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);
    private long _lastNoticeMs = long.MinValue / 2;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            ProcessNext(message, pipeline);
        }
        catch (OperationCanceledException) when (!message.CancellationToken.IsCancellationRequested)
        {
            Notice(message);
            throw;
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            await ProcessNextAsync(message, pipeline);
        }
        catch (OperationCanceledException) when (!message.CancellationToken.IsCancellationRequested)
        {
            // Cancelled without the caller asking: the try's network timeout ran out.
            Notice(message);
            throw;
        }
    }

    private void Notice(HttpMessage message)
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastNoticeMs);
        if (now - last < Quiet.TotalMilliseconds || Interlocked.CompareExchange(ref _lastNoticeMs, now, last) != last)
        {
            return;
        }
        var tryNumber = message.ProcessingContext.RetryNumber + 1;
        var next = tryNumber < Storage.StorageClients.Tries ? "trying again" : "giving up";
        write($"waiting for storage: {message.Request.Uri.Host}:{message.Request.Uri.Port} did not answer in time (try {tryNumber} of {Storage.StorageClients.Tries}); {next}.");
    }
}
