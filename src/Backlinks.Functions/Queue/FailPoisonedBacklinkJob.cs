using Backlinks.Jobs;
using Backlinks.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Queue;

/// <summary>Marks a job failed when the host has moved its message to <c>backlink-jobs-poison</c>.</summary>
public sealed class FailPoisonedBacklinkJob(JobProcessor processor)
{
    [Function(nameof(FailPoisonedBacklinkJob))]
    public Task Run([QueueTrigger(StorageOptions.DefaultPoisonQueue)] string message, CancellationToken cancellationToken) =>
        processor.FailPoisonedAsync(message, cancellationToken);
}
