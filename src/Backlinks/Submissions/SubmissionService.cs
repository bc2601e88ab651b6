using Backlinks.Jobs;
using Backlinks.Storage;
using Microsoft.Extensions.Logging;

namespace Backlinks.Submissions;

/// <summary>A job created by a submission.</summary>
public sealed record SubmittedJob(string JobId, string Domain, DomainInput Input);

/// <summary>
/// What a submission did. <see cref="NotEnqueued"/> lists the domains whose jobs could not be
/// queued (storage failed part-way); those jobs are marked failed and the caller is told which.
/// </summary>
public sealed record SubmissionResult(
    IReadOnlyList<SubmittedJob> Accepted,
    IReadOnlyList<DuplicateInput> Duplicates,
    IReadOnlyList<RejectedInput> Rejected,
    IReadOnlyList<SubmittedJob> NotEnqueued,
    string? StorageError)
{
    public bool IsComplete => NotEnqueued.Count == 0;
}

/// <summary>
/// Creates one job per planned domain: job rows first (batched per partition), then one queue
/// message per job. Rows before messages, so a worker never sees a message without its job.
/// </summary>
public sealed partial class SubmissionService(
    StorageClients storage,
    JobStore jobs,
    JobQueue queue,
    TimeProvider time,
    ILogger<SubmissionService> logger)
{
    private const int MaxParallelSends = 16;

    /// <param name="enqueue">False to create the job rows only, for a caller that runs the jobs itself (a one-off lookup).</param>
    /// <param name="progress">Receives the number of messages sent so far.</param>
    public async Task<SubmissionResult> SubmitAsync(SubmissionPlan plan, CancellationToken cancellationToken, IProgress<int>? progress = null, bool enqueue = true)
    {
        var now = time.GetUtcNow();
        var submitted = plan.Lookups
            .Select(lookup => (Job: JobEntity.NewQueued(JobId.New(now), lookup.Domain, plan.OnePerDomain, plan.Force, now), lookup.Input))
            .ToList();
        var all = submitted.Select(s => new SubmittedJob(s.Job.JobId, s.Job.Domain, s.Input)).ToList();
        if (all.Count == 0)
        {
            return new SubmissionResult([], plan.Duplicates, plan.Rejected, [], null);
        }

        try
        {
            await storage.EnsureCreatedAsync();
            await jobs.InsertAsync(submitted.Select(s => s.Job), cancellationToken);
        }
        catch (Exception e) when (e is Azure.RequestFailedException or AggregateException or HttpRequestException)
        {
            // No message went out: nothing will run. Rows that did land stay "queued" without a
            // message, so mark them failed where possible and tell the caller nothing was queued.
            await MarkNotEnqueuedAsync(submitted.Select(s => s.Job), cancellationToken);
            LogStorageFailed(logger, all.Count, e.Message);
            return new SubmissionResult([], plan.Duplicates, plan.Rejected, all, e.Message);
        }

        if (!enqueue)
        {
            return new SubmissionResult(all, plan.Duplicates, plan.Rejected, [], null);
        }

        var failed = new System.Collections.Concurrent.ConcurrentBag<JobEntity>();
        string? sendError = null;
        var sent = 0;
        await Parallel.ForEachAsync(submitted, new ParallelOptions { MaxDegreeOfParallelism = MaxParallelSends, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                try
                {
                    await queue.SendAsync(JobMessage.For(item.Job.GetJobId()), delay: null, ct);
                    progress?.Report(Interlocked.Increment(ref sent));
                }
                catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException)
                {
                    sendError ??= e.Message;
                    failed.Add(item.Job);
                }
            });

        if (failed.IsEmpty)
        {
            LogSubmitted(logger, all.Count, plan.Duplicates.Count, plan.Rejected.Count);
            return new SubmissionResult(all, plan.Duplicates, plan.Rejected, [], null);
        }

        await MarkNotEnqueuedAsync(failed, cancellationToken);
        var failedIds = failed.Select(j => j.JobId).ToHashSet();
        LogStorageFailed(logger, failedIds.Count, sendError!);
        return new SubmissionResult(
            all.Where(j => !failedIds.Contains(j.JobId)).ToList(),
            plan.Duplicates,
            plan.Rejected,
            all.Where(j => failedIds.Contains(j.JobId)).ToList(),
            sendError);
    }

    private async Task MarkNotEnqueuedAsync(IEnumerable<JobEntity> notQueued, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var job in notQueued)
        {
            job.Status = JobStatus.Failed;
            job.LastError = "not queued: storage failed during the submission; submit the domain again";
            job.CompletedAtUtc = now;
            job.UpdatedAtUtc = now;
            job.ETag = Azure.ETag.All;
            try
            {
                await jobs.TryReplaceAsync(job, cancellationToken);
            }
            catch (Azure.RequestFailedException e) when (e.Status == 404)
            {
                // The row never landed: nothing to mark.
            }
            catch (Exception e) when (e is Azure.RequestFailedException or AggregateException or HttpRequestException)
            {
                // Storage is down: stop trying row by row; the caller is told which jobs were not queued.
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Submitted {Jobs} jobs ({Duplicates} duplicates folded, {Rejected} inputs rejected)")]
    private static partial void LogSubmitted(ILogger logger, int jobs, int duplicates, int rejected);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage failed during a submission; {Jobs} jobs were not queued: {Error}")]
    private static partial void LogStorageFailed(ILogger logger, int jobs, string error);
}
