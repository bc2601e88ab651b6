using Azure;
using Azure.Storage.Queues.Models;
using Backlinks.Jobs;
using Backlinks.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backlinks.Worker;

/// <summary>
/// Works the job queue outside the Functions host (the <c>backlinks work</c> command) with the host's
/// rules: a message is deleted when its job is done or deferred, made visible again after
/// <see cref="QueueWorkerOptions.VisibilityTimeout"/> when it failed transiently, and after
/// <see cref="QueueWorkerOptions.MaxDequeueCount"/> deliveries copied to the poison queue and its job
/// failed, as the poison function does in Azure. Stopping finishes the jobs in hand; the others stay queued.
/// </summary>
public sealed partial class QueueWorker(
    StorageClients storage,
    JobProcessor processor,
    IOptions<QueueWorkerOptions> options,
    TimeProvider time,
    ILogger<QueueWorker> logger)
{
    private const int MaxMessagesPerReceive = 32;
    private readonly QueueWorkerOptions _options = options.Value;

    /// <param name="untilEmpty">Return once the queue holds no message, visible or delayed.</param>
    /// <param name="stopping">Stop taking new messages; the jobs in hand are finished first.</param>
    public async Task<WorkerTally> RunAsync(bool untilEmpty, WorkerTally tally, CancellationToken stopping)
    {
        await storage.EnsureCreatedAsync();
        var inHand = new List<Task>();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                inHand.RemoveAll(t => t.IsCompleted);
                var free = _options.Concurrency - inHand.Count;
                if (free == 0)
                {
                    await Task.WhenAny(inHand);
                    continue;
                }

                var messages = (await storage.JobsQueue.ReceiveMessagesAsync(
                    Math.Min(free, MaxMessagesPerReceive), _options.ProcessingLease, stopping)).Value;
                // Jobs in hand are not cancelled by a stop: they finish, so no call is paid for and lost.
                inHand.AddRange(messages.Select(message => HandleAsync(message, tally)));
                if (messages.Length > 0)
                {
                    continue;
                }

                if (inHand.Count > 0)
                {
                    await Task.WhenAny(inHand.Append(Task.Delay(_options.PollInterval, time, stopping)));
                }
                else if (untilEmpty && (await storage.JobsQueue.GetPropertiesAsync(stopping)).Value.ApproximateMessagesCount == 0)
                {
                    break;
                }
                else
                {
                    // Delayed messages (jobs waiting out a 429 or 402) become visible on their own.
                    await Task.Delay(_options.PollInterval, time, stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: fall through and finish the jobs in hand.
        }
        await Task.WhenAll(inHand);
        return tally;
    }

    private async Task HandleAsync(QueueMessage message, WorkerTally tally)
    {
        var body = message.Body.ToString();
        JobOutcome outcome;
        try
        {
            outcome = await processor.ProcessAsync(body, CancellationToken.None);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException or JobRetryException)
        {
            outcome = new JobOutcome(JobOutcomeKind.RetryMessage, null, e.Message);
        }

        if (outcome.Kind == JobOutcomeKind.AheadOfRow)
        {
            // Its job row is being written right now: look again in a moment; this never leads to poison.
            await storage.JobsQueue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.FromSeconds(1));
            tally.AddRetried();
            return;
        }
        if (outcome.Kind != JobOutcomeKind.RetryMessage)
        {
            await storage.JobsQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            if (outcome.Kind == JobOutcomeKind.Skipped)
            {
                LogSkipped(logger, outcome.JobId, outcome.Detail);
            }
            Count(outcome, tally);
            return;
        }

        if (message.DequeueCount < _options.MaxDequeueCount)
        {
            await storage.JobsQueue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: _options.VisibilityTimeout);
            tally.AddRetried();
            return;
        }

        // What the host does after maxDequeueCount, and what the poison function does next.
        await storage.PoisonQueue.SendMessageAsync(body);
        await storage.JobsQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        LogPoisoned(logger, outcome.JobId, message.DequeueCount);
        Count(await processor.FailPoisonedAsync(body, CancellationToken.None), tally);
    }

    private static void Count(JobOutcome outcome, WorkerTally tally)
    {
        switch (outcome.Kind)
        {
            case JobOutcomeKind.Succeeded:
                tally.AddSucceeded(outcome.PaidCall);
                break;
            case JobOutcomeKind.Deferred:
                tally.AddWaiting();
                break;
            case JobOutcomeKind.Failed:
                tally.AddFailed();
                break;
            default:
                tally.AddSkipped();
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message for job {JobId} needed nothing: {Detail}")]
    private static partial void LogSkipped(ILogger logger, string? jobId, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} moved to the poison queue after {Deliveries} deliveries")]
    private static partial void LogPoisoned(ILogger logger, string? jobId, long deliveries);
}
