using Backlinks.Jobs;
using Backlinks.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Queue;

/// <summary>Runs one job per message of the jobs queue (<c>Storage__JobsQueue</c>, default <c>backlink-jobs</c>).</summary>
public sealed class ProcessBacklinkJob(JobProcessor processor, JobQueue queue)
{
    [Function(nameof(ProcessBacklinkJob))]
    /// <param name="id">The message's id, bound by name from the trigger's metadata.</param>
    public async Task Run([QueueTrigger(StorageOptions.JobsQueueBinding)] string message, string id, CancellationToken cancellationToken)
    {
        var outcome = await processor.ProcessAsync(message, id, cancellationToken);
        var action = MessageAction.For(outcome);
        switch (action.Kind)
        {
            case MessageActionKind.ResendLater:
                // The host cannot delay a message it holds without counting a failed delivery: send a delayed copy instead.
                await queue.SendAsync(message, action.Delay, cancellationToken);
                break;
            case MessageActionKind.Retry:
                // Failing the invocation is how the host retries a message and, after maxDequeueCount, poisons it.
                throw new MessageRetryException(outcome);
        }
    }
}
