using Backlinks.Jobs;
using Backlinks.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Queue;

/// <summary>Runs one job per message of <c>backlink-jobs</c>.</summary>
public sealed class ProcessBacklinkJob(JobProcessor processor)
{
    [Function(nameof(ProcessBacklinkJob))]
    public async Task Run([QueueTrigger(StorageOptions.DefaultJobsQueue)] string message, CancellationToken cancellationToken)
    {
        var outcome = await processor.ProcessAsync(message, cancellationToken);
        if (outcome.Kind is JobOutcomeKind.RetryMessage or JobOutcomeKind.AheadOfRow)
        {
            // Failing the invocation is how the host retries a message and, after maxDequeueCount, poisons it.
            throw new JobRetryException(outcome.JobId!, outcome.Detail);
        }
    }
}
