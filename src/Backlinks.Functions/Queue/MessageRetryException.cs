using Backlinks.Jobs;

namespace Backlinks.Functions.Queue;

/// <summary>Fails a queue invocation on purpose, so that the host retries the message (and poisons it after maxDequeueCount).</summary>
public sealed class MessageRetryException(JobOutcome outcome)
    : Exception($"Job {outcome.JobId} will be retried by the queue: {outcome.Detail}")
{
    public JobOutcome Outcome { get; } = outcome;
}
