using Azure.Storage.Queues.Models;
using Backlinks.Jobs;
using Backlinks.Storage;
using Backlinks.Throttling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backlinks.Worker;

/// <summary>
/// Works the job queue outside the Functions host (the <c>backlinks work</c> command) with the host's
/// rules, through the same <see cref="MessageAction"/> as the Functions trigger: a message is deleted when
/// its job is done or deferred, re-sent with a short delay when it is ahead of its row, made visible again
/// after <see cref="QueueWorkerOptions.VisibilityTimeout"/> when it failed transiently, and after
/// <see cref="QueueWorkerOptions.MaxDequeueCount"/> deliveries copied to the poison queue and its job
/// failed, as the poison function does in Azure. Messages are fetched up to 32 at a time. Stopping
/// finishes the jobs in hand and gives the fetched, unstarted messages back at once; quitting drops the jobs in
/// hand too and gives their messages back, so that none waits out its lease.
/// </summary>
public sealed partial class QueueWorker(
    StorageClients storage,
    AccountState account,
    Operations.JobListQuery listing,
    JobQueue queue,
    JobProcessor processor,
    PoisonedJobs poisoned,
    IOptions<QueueWorkerOptions> options,
    TimeProvider time,
    ILogger<QueueWorker> logger)
{
    private const int MaxMessagesPerReceive = 32;
    private readonly QueueWorkerOptions _options = options.Value;

    /// <param name="until">When to return on its own: never, once the queue is empty, or once nothing can run now.</param>
    /// <param name="stopping">Stop taking new messages; the jobs in hand are finished first.</param>
    /// <param name="concurrency">Jobs at once; <see cref="QueueWorkerOptions.Concurrency"/> when null.</param>
    /// <param name="quitting">Drop the jobs in hand and give their messages back at once (a second Ctrl-C).</param>
    public async Task<WorkerTally> RunAsync(WorkUntil until, WorkerTally tally, CancellationToken stopping, int? concurrency = null,
        CancellationToken quitting = default)
    {
        // A rejected API key stops the run as a stop request would: nothing can run until the key is fixed.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var onKeyRejected = tally.OnKeyRejected(stop.Cancel);
        stopping = stop.Token;
        var slots = concurrency ?? _options.Concurrency;
        var fetched = new Queue<QueueMessage>();
        var inHand = new List<Task>();
        // A stop wakes a loop that waits for a free slot: the fetched messages go back now, not once a job in hand ends
        // (a slow answer kept them leased, and a second Ctrl-C then left them waiting out their lease).
        var stopped = Task.Delay(Timeout.Infinite, stopping);
        var openJobsCheckedAt = DateTimeOffset.MinValue;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                inHand.RemoveAll(t => t.IsCompleted);
                if (inHand.Count >= slots)
                {
                    await Task.WhenAny(inHand.Append(stopped));
                    continue;
                }
                if (fetched.Count == 0 && !await TryReceiveAsync(fetched, stopping))
                {
                    // Storage failed past the SDK's own retries: the messages stay in the queue; look again after a pause.
                    await Task.Delay(_options.PollInterval, time, stopping);
                    continue;
                }
                if (fetched.TryDequeue(out var next))
                {
                    // Jobs in hand are not cancelled by a stop: they finish, so no call is paid for and lost.
                    inHand.Add(HandleAsync(next, tally, quitting));
                    continue;
                }

                if (inHand.Count > 0)
                {
                    await Task.WhenAny(inHand.Append(Task.Delay(_options.PollInterval, time, stopping)));
                }
                else if (await IsKeyRejectedAsync(stopping))
                {
                    // Every job waits for a working key: nothing here can run until the operator sets one.
                    tally.MarkKeyRejected();
                }
                else if ((until == WorkUntil.Idle && IsIdle(tally))
                    || (until == WorkUntil.Empty && await QueuedAsync(stopping) is { } left && (left == 0 || await OnlyStaleLeftAsync(left))))
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
            // Stopping: fall through, give back what was not started and finish the jobs in hand.
        }
        await Task.WhenAll(fetched.Select(GiveBackAsync).Concat(inHand));
        return tally;

        // Messages are left, all delayed. If no job is open, they are those of cancelled or finished jobs, which are
        // dropped when they come: waiting for them (up to days) would run nothing. Asked at most every OpenJobsRecheck.
        async Task<bool> OnlyStaleLeftAsync(int left)
        {
            if (time.GetUtcNow() - openJobsCheckedAt < OpenJobsRecheck)
            {
                return false;
            }
            openJobsCheckedAt = time.GetUtcNow();
            if (await AnyOpenJobAsync(stopping) is not false)
            {
                return false;
            }
            tally.StaleMessagesLeft = left;
            return true;
        }
    }

    /// <summary>Makes a message this run holds visible again now, rather than after its lease.</summary>
    private Task GiveBackAsync(QueueMessage message) =>
        storage.JobsQueue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);

    /// <summary>Fetches up to 32 messages, which wait here, leased, for a free slot; false when storage failed.</summary>
    private async Task<bool> TryReceiveAsync(Queue<QueueMessage> fetched, CancellationToken stopping)
    {
        try
        {
            foreach (var message in (await storage.JobsQueue.ReceiveMessagesAsync(MaxMessagesPerReceive, _options.ProcessingLease, stopping)).Value)
            {
                fetched.Enqueue(message);
            }
            return true;
        }
        catch (Exception e) when (StorageFaults.IsTransient(e) && !stopping.IsCancellationRequested)
        {
            LogReceiveFailed(logger, e.Message);
            return false;
        }
    }

    /// <summary>True when the account's key was rejected; false when it was not or storage could not say.</summary>
    private async Task<bool> IsKeyRejectedAsync(CancellationToken stopping)
    {
        try
        {
            return (await account.GetAsync(stopping)).Control is { PauseActive: true, PauseReason: WaitReason.InvalidApiKey };
        }
        catch (Exception e) when (StorageFaults.IsTransient(e) && !stopping.IsCancellationRequested)
        {
            LogReceiveFailed(logger, e.Message);
            return false;
        }
    }

    /// <summary>How soon a known wait must be due for an idle run to wait for it rather than stop.</summary>
    public static readonly TimeSpan IdleGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Nothing visible and nothing in hand (the caller checked), and nothing this run sent back is due within
    /// <see cref="IdleGrace"/> either way: what is left waits out a real delay (a pause, a 429, the budget). A job sent
    /// back a second time is not waited for again, or an API that refuses every call with a short Retry-After would
    /// keep an idle run going for ever.
    /// </summary>
    private bool IsIdle(WorkerTally tally)
    {
        var now = time.GetUtcNow();
        return tally.NextFirstWaitDueAfter(now - IdleGrace) is not { } due || due > now + IdleGrace;
    }

    /// <summary>How often a run until empty, with only delayed messages left, asks whether any job is still open.</summary>
    public static readonly TimeSpan OpenJobsRecheck = TimeSpan.FromSeconds(30);

    /// <summary>Whether a job is queued, running or waiting; null when storage could not say.</summary>
    private async Task<bool?> AnyOpenJobAsync(CancellationToken stopping)
    {
        try
        {
            return await listing.AnyOpenAsync(stopping);
        }
        catch (Exception e) when (StorageFaults.IsTransient(e) && !stopping.IsCancellationRequested)
        {
            LogReceiveFailed(logger, e.Message);
            return null;
        }
    }

    /// <summary>The messages in the queue, visible or delayed; null when storage could not say.</summary>
    private async Task<int?> QueuedAsync(CancellationToken stopping)
    {
        try
        {
            return (await storage.JobsQueue.GetPropertiesAsync(stopping)).Value.ApproximateMessagesCount;
        }
        catch (Exception e) when (StorageFaults.IsTransient(e) && !stopping.IsCancellationRequested)
        {
            LogReceiveFailed(logger, e.Message);
            return null;
        }
    }

    private async Task HandleAsync(QueueMessage message, WorkerTally tally, CancellationToken quitting)
    {
        var body = message.Body.ToString();
        JobOutcome outcome;
        try
        {
            outcome = await processor.ProcessAsync(body, message.MessageId, quitting);
        }
        catch (OperationCanceledException) when (quitting.IsCancellationRequested)
        {
            // Quitting: the next delivery takes the job from where its row and any stored answer left it.
            try
            {
                await GiveBackAsync(message);
            }
            catch (Exception e) when (StorageFaults.IsTransient(e))
            {
                LogUnsettled(logger, null, e.Message);
            }
            return;
        }
        catch (Exception e)
        {
            // A bug, not an expected failure: the host would fail the invocation and retry; so do we.
            LogUnexpected(logger, e);
            outcome = new JobOutcome(JobOutcomeKind.RetryMessage, null, e.Message);
        }

        try
        {
            await ApplyAsync(MessageAction.For(outcome), message, body, outcome, tally);
        }
        catch (Exception e) when (StorageFaults.IsTransient(e))
        {
            // The message could not be settled: it comes back after its lease, and its job row tells the next delivery what is done.
            LogUnsettled(logger, outcome.JobId, e.Message);
        }
    }

    private async Task ApplyAsync(MessageAction action, QueueMessage message, string body, JobOutcome outcome, WorkerTally tally)
    {
        switch (action.Kind)
        {
            case MessageActionKind.Complete:
                await storage.JobsQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                if (outcome.Kind == JobOutcomeKind.Skipped)
                {
                    LogSkipped(logger, outcome.JobId, outcome.Detail);
                }
                tally.Count(outcome);
                return;
            case MessageActionKind.ResendLater:
                await queue.SendAsync(body, action.Delay, CancellationToken.None);
                await storage.JobsQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                tally.CountRetry(outcome.JobId, time.GetUtcNow() + action.Delay);
                return;
            case MessageActionKind.Retry when message.DequeueCount < _options.MaxDequeueCount:
                await storage.JobsQueue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: _options.VisibilityTimeout);
                tally.CountRetry(outcome.JobId, time.GetUtcNow() + _options.VisibilityTimeout);
                return;
            case MessageActionKind.Retry:
                // What the host does after maxDequeueCount, and what the poison function does next.
                await storage.PoisonQueue.SendMessageAsync(body);
                await storage.JobsQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                LogPoisoned(logger, outcome.JobId, message.DequeueCount);
                tally.Count(await poisoned.FailAsync(body, CancellationToken.None));
                return;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message for job {JobId} needed nothing: {Detail}")]
    private static partial void LogSkipped(ILogger logger, string? jobId, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} moved to the poison queue after {Deliveries} deliveries")]
    private static partial void LogPoisoned(ILogger logger, string? jobId, long deliveries);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure while processing a job message; it will be retried")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the job queue; trying again: {Error}")]
    private static partial void LogReceiveFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not settle the message of job {JobId}; it returns after its lease: {Error}")]
    private static partial void LogUnsettled(ILogger logger, string? jobId, string error);
}
