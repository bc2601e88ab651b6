using Backlinks.Jobs;
using Backlinks.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Queue;

/// <summary>Marks a job failed when the host has moved its message to the poison queue (<c>{jobs queue}-poison</c>).</summary>
public sealed class FailPoisonedBacklinkJob(PoisonedJobs poisoned)
{
    [Function(nameof(FailPoisonedBacklinkJob))]
    public Task Run([QueueTrigger(StorageOptions.PoisonQueueBinding)] string message, CancellationToken cancellationToken) =>
        poisoned.FailAsync(message, cancellationToken);
}
