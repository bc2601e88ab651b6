using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Queues.Models;
using Backlinks.Jobs;
using Backlinks.Storage;
using Microsoft.Extensions.Logging;

namespace Backlinks.Operations;

/// <summary>What an operation on one job came to.</summary>
[JsonConverter(typeof(CamelCaseEnumConverter<JobOperationOutcome>))]
public enum JobOperationOutcome
{
    /// <summary>Done: the job was re-queued, or cancelled.</summary>
    Done,

    /// <summary>No job has the id.</summary>
    NotFound,

    /// <summary>The job's state does not allow it (retry: not failed; cancel: not queued or waiting).</summary>
    Conflict,
}

/// <summary>An operation's result: the job as it is now (null when unknown), and a sentence for people.</summary>
public sealed record JobOperationResult(JobOperationOutcome Outcome, JobSummaryView? Job, string Message, int PoisonMessagesRemoved = 0);

/// <summary>What <c>retry --failed</c> did: the jobs re-queued, the poison messages removed, those left alone.</summary>
public sealed record RetryFailedResult(DateTimeOffset Since, IReadOnlyList<JobSummaryView> Retried, int PoisonMessagesRemoved, int PoisonMessagesLeft);

/// <summary>
/// An operator's hand on single jobs: retry a failed job (and its poisoned message) as a new attempt of
/// the same job, or cancel a job that has not started. Each change goes through the job row's own
/// transitions and its ETag, so a worker that changes the row meanwhile is never overwritten.
/// </summary>
public sealed partial class JobOperations(
    StorageClients storage,
    JobStore jobs,
    JobQueue queue,
    JobListQuery listing,
    PoisonedJobs poisoned,
    TimeProvider time,
    ILogger<JobOperations> logger)
{
    // A row changed by a worker between our read and our write is read again; this many times at most.
    private const int MaxConflicts = 3;

    // Poison messages are held out of sight while they are scanned, then the ones not removed are given back.
    private static readonly TimeSpan PoisonScanLease = TimeSpan.FromMinutes(1);

    /// <summary>Sends a failed job back to the queue (force unchanged) and removes its messages from the poison queue.</summary>
    public async Task<JobOperationResult> RetryAsync(JobId id, CancellationToken cancellationToken)
    {
        var (outcome, job) = await RetryRowAsync(id, cancellationToken);
        if (outcome != JobOperationOutcome.Done)
        {
            return Describe(outcome, id, job, "retried", "only a failed job can be retried");
        }
        var removed = await ScanPoisonAsync(m => m.JobId == job!.JobId, cancellationToken);
        return new JobOperationResult(JobOperationOutcome.Done, JobSummaryView.From(job!),
            $"job {id} is queued again (retry {job!.Retries}).", removed.Removed);
    }

    /// <summary>
    /// Retries every job whose message is in the poison queue (failing it first if the poison handler has
    /// not yet), then every job that failed since <paramref name="since"/>. Poison messages of jobs that are
    /// not failed (succeeded, cancelled, or still running under another message) are left where they are.
    /// </summary>
    public async Task<RetryFailedResult> RetryFailedAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var retried = new Dictionary<string, JobSummaryView>(StringComparer.Ordinal);
        var poison = await ScanPoisonAsync(async (message, body) =>
        {
            if (retried.ContainsKey(message.JobId))
            {
                return true;
            }
            var job = await jobs.GetAsync(message.Id, cancellationToken);
            if (job is not null && !job.IsTerminal())
            {
                // The host poisoned the message but its handler has not marked the job yet: do it now.
                await poisoned.FailAsync(body, cancellationToken);
            }
            var (outcome, now) = await RetryRowAsync(message.Id, cancellationToken);
            if (outcome == JobOperationOutcome.Done)
            {
                retried[now!.JobId] = JobSummaryView.From(now);
                return true;
            }
            return false;
        }, cancellationToken);

        await foreach (var failed in listing.ReadAsync(JobStatus.Failed, since, domain: null, cancellationToken))
        {
            if (!retried.ContainsKey(failed.JobId) && (await RetryRowAsync(failed.GetJobId(), cancellationToken)) is (JobOperationOutcome.Done, { } now))
            {
                retried[now.JobId] = JobSummaryView.From(now);
            }
        }
        return new RetryFailedResult(since, [.. retried.Values.OrderByDescending(j => j.JobId, StringComparer.Ordinal)], poison.Removed, poison.Left);
    }

    /// <summary>Cancels a queued or waiting job: it ends <c>cancelled</c>, and its message is dropped when it arrives.</summary>
    public async Task<JobOperationResult> CancelAsync(JobId id, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxConflicts; attempt++)
        {
            var job = await jobs.GetAsync(id, cancellationToken);
            if (job is null || !job.IsCancellable())
            {
                return Describe(job is null ? JobOperationOutcome.NotFound : JobOperationOutcome.Conflict, id, job,
                    "cancelled", job?.Status == JobStatus.Running
                        ? "its API call is under way, and the job ends when the answer is stored (should its worker have died, the job runs again once its message's lease ends)"
                        : "only a queued or waiting job can be cancelled");
            }
            job.MarkCancelled(time.GetUtcNow());
            if (await jobs.TryReplaceAsync(job, cancellationToken))
            {
                LogCancelled(logger, job.JobId, job.Domain);
                return new JobOperationResult(JobOperationOutcome.Done, JobSummaryView.From(job),
                    $"job {id} is cancelled; its queue message is dropped when it arrives.");
            }
        }
        throw new InvalidOperationException($"Job {id} kept changing while it was being cancelled.");
    }

    /// <summary>
    /// Queues again, now, every job created since <paramref name="since"/> that waits for one of <paramref name="reasons"/>:
    /// its delayed message would otherwise keep it waiting long after the cause is gone. Returns how many.
    /// </summary>
    public async Task<int> ReleaseWaitingAsync(IReadOnlyCollection<string> reasons, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var released = 0;
        await foreach (var waiting in listing.ReadAsync(JobStatus.Waiting, since, domain: null, cancellationToken))
        {
            if (waiting.WaitReason is { } reason && reasons.Contains(reason) && await ReleaseRowAsync(waiting, reasons, cancellationToken))
            {
                released++;
            }
        }
        return released;
    }

    /// <summary>The new message goes out first, then the row records it; a row a worker changed meanwhile is read again.</summary>
    private async Task<bool> ReleaseRowAsync(JobEntity job, IReadOnlyCollection<string> reasons, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxConflicts; attempt++)
        {
            var message = job.MarkReleased(time.GetUtcNow());
            await queue.SendAsync(message, delay: null, cancellationToken);
            if (await jobs.TryReplaceAsync(job, cancellationToken))
            {
                return true;
            }
            // If the row moved on, the message just sent is stale or ahead of it, and is dropped or retried when it comes.
            var now = await jobs.GetAsync(job.GetJobId(), cancellationToken);
            if (now is not { Status: JobStatus.Waiting, WaitReason: { } reason } || !reasons.Contains(reason))
            {
                return false;
            }
            job = now;
        }
        return false;
    }

    /// <summary>Re-queues the job if it failed: the new message goes out first, then the row records it.</summary>
    private async Task<(JobOperationOutcome Outcome, JobEntity? Job)> RetryRowAsync(JobId id, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxConflicts; attempt++)
        {
            var job = await jobs.GetAsync(id, cancellationToken);
            if (job is null || job.Status != JobStatus.Failed)
            {
                return (job is null ? JobOperationOutcome.NotFound : JobOperationOutcome.Conflict, job);
            }
            // If the row write below fails, the message finds its job still failed (or a later retry's) and is dropped.
            var message = job.MarkRetried(time.GetUtcNow());
            await queue.SendAsync(message, delay: null, cancellationToken);
            if (await jobs.TryReplaceAsync(job, cancellationToken))
            {
                LogRetried(logger, job.JobId, job.Domain, job.Retries);
                return (JobOperationOutcome.Done, job);
            }
        }
        throw new InvalidOperationException($"Job {id} kept changing while it was being retried.");
    }

    private static JobOperationResult Describe(JobOperationOutcome outcome, JobId id, JobEntity? job, string verb, string rule) => outcome switch
    {
        JobOperationOutcome.NotFound => new(outcome, null, $"no job has the id {id}."),
        _ => new(outcome, JobSummaryView.From(job!), $"job {id} is {job!.Status} and cannot be {verb}: {rule}."),
    };

    private Task<(int Removed, int Left)> ScanPoisonAsync(Func<JobMessage, bool> remove, CancellationToken cancellationToken) =>
        ScanPoisonAsync((message, _) => Task.FromResult(remove(message)), cancellationToken);

    /// <summary>
    /// Goes through the poison queue once: each readable message for which <paramref name="handle"/> returns
    /// true is deleted; every other message is held until the scan ends, then made visible again.
    /// </summary>
    private async Task<(int Removed, int Left)> ScanPoisonAsync(Func<JobMessage, string, Task<bool>> handle, CancellationToken cancellationToken)
    {
        var held = new List<QueueMessage>();
        var removed = 0;
        try
        {
            while (true)
            {
                var batch = (await storage.PoisonQueue.ReceiveMessagesAsync(32, PoisonScanLease, cancellationToken)).Value;
                if (batch.Length == 0)
                {
                    break;
                }
                foreach (var message in batch)
                {
                    var body = message.Body.ToString();
                    if (JobMessage.TryParse(body, out var parsed, out _) && await handle(parsed, body))
                    {
                        await storage.PoisonQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                        removed++;
                    }
                    else
                    {
                        held.Add(message);
                    }
                }
            }
        }
        finally
        {
            await Task.WhenAll(held.Select(GiveBackAsync));
        }
        return (removed, held.DistinctBy(m => m.MessageId).Count());
    }

    private async Task GiveBackAsync(QueueMessage message)
    {
        try
        {
            await storage.PoisonQueue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Its lease ran out during a long scan and it was received again: the later receipt gives it back.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ({Domain}) retried by an operator (retry {Retries}): queued again")]
    private static partial void LogRetried(ILogger logger, string jobId, string domain, int retries);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ({Domain}) cancelled by an operator")]
    private static partial void LogCancelled(ILogger logger, string jobId, string domain);
}
