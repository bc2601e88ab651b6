using System.Collections.Concurrent;
using System.Diagnostics;
using Backlinks.Jobs;
using Backlinks.Storage;
using Backlinks.Telemetry;
using Microsoft.Extensions.Logging;

namespace Backlinks.Submissions;

/// <summary>A submission as it arrives: the body, its format and the options for every job.</summary>
public sealed record SubmissionInput(ReadOnlyMemory<byte> Body, SubmissionFormat Format, bool OnePerDomain, bool Force);

public enum SubmissionStatus
{
    /// <summary>Every valid domain has its job queued (some inputs may have been rejected).</summary>
    Queued,

    /// <summary>No input was a usable domain: nothing was written.</summary>
    NothingValid,

    /// <summary>The body itself was refused (too large, unreadable, too many domains): nothing was written.</summary>
    Refused,

    /// <summary>Storage failed or the submission was stopped part-way: the jobs in <c>notEnqueued</c> do not exist; the others run.</summary>
    Incomplete,
}

/// <summary>What a submission came to: the answer for the caller, or the problem with the body.</summary>
public sealed record SubmissionOutcome(SubmissionStatus Status, SubmissionResponse? Response, SubmissionProblem? Problem);

/// <summary>
/// The one way domains become jobs, for the HTTP function and the CLI alike: parse, plan (normalize,
/// fold duplicates, reject), then create one job per domain. Each job's message goes out first and
/// carries all the job needs; its row follows, batched per partition. Whatever stops a submission,
/// no row can stay queued without a message: a job whose row was not written is rebuilt from its
/// message by the processor, and a job whose message was not sent has no row and is listed as not enqueued.
/// </summary>
public sealed partial class SubmissionService(
    JobStore jobs,
    JobQueue queue,
    TimeProvider time,
    ILogger<SubmissionService> logger)
{
    private const int MaxParallelSends = 16;

    /// <param name="progress">Receives the number of messages sent so far.</param>
    public async Task<SubmissionOutcome> SubmitAsync(SubmissionInput input, CancellationToken cancellationToken, IProgress<SubmissionProgress>? progress = null)
    {
        // The span every job of this submission starts its trace from: its context travels in each message.
        using var span = BacklinksTelemetry.Source.StartActivity(BacklinksTelemetry.Spans.Submit, ActivityKind.Producer);
        var outcome = await SubmitPlannedAsync(input, progress, cancellationToken);
        span?.SetTag(BacklinksTelemetry.Attributes.Outcome, outcome.Status.ToString())
            .SetTag(BacklinksTelemetry.Attributes.Jobs, outcome.Response?.Accepted.Count ?? 0);
        return outcome;
    }

    private async Task<SubmissionOutcome> SubmitPlannedAsync(SubmissionInput input, IProgress<SubmissionProgress>? progress, CancellationToken cancellationToken)
    {
        var parsed = LookupRequestParser.Parse(input.Body, input.Format, input.OnePerDomain, input.Force);
        if (parsed.Problem is { } problem)
        {
            return new SubmissionOutcome(SubmissionStatus.Refused, null, problem);
        }
        var plan = SubmissionPlan.For(parsed.Request!);
        if (plan.Lookups.Count == 0)
        {
            return new SubmissionOutcome(SubmissionStatus.NothingValid, SubmissionResponse.NothingValid(plan), null);
        }

        var now = time.GetUtcNow();
        var planned = plan.Lookups
            .Select(lookup => new PlannedJob(JobEntity.NewQueued(JobId.New(now), lookup.Domain, plan.OnePerDomain, plan.Force, now), lookup.Input, Delay: null))
            .ToList();
        var (sent, error) = await SendMessagesAsync(planned, progress, cancellationToken);
        await RecordRowsAsync(sent.Select(p => p.Job).ToList());

        var sentIds = sent.Select(p => p.Job.JobId).ToHashSet(StringComparer.Ordinal);
        var accepted = planned.Where(p => sentIds.Contains(p.Job.JobId)).Select(p => p.AsSubmitted()).ToList();
        var notEnqueued = planned.Where(p => !sentIds.Contains(p.Job.JobId)).Select(p => p.AsSubmitted()).ToList();
        if (notEnqueued.Count == 0)
        {
            LogSubmitted(logger, accepted.Count, plan.Duplicates.Count, plan.Rejected.Count);
            return new SubmissionOutcome(SubmissionStatus.Queued, SubmissionResponse.From(plan, accepted, []), null);
        }
        LogIncomplete(logger, notEnqueued.Count, accepted.Count, error);
        return new SubmissionOutcome(SubmissionStatus.Incomplete, SubmissionResponse.From(plan, accepted, notEnqueued, error), null);
    }

    /// <summary>
    /// Queues jobs that were planned elsewhere from normalized domains (the watch list, which must know
    /// each job id before its message exists), each message with its own initial visibility delay; then
    /// the rows, as <see cref="SubmitAsync"/> does.
    /// </summary>
    public async Task<EnqueueOutcome> EnqueueAsync(IReadOnlyList<ScheduledJob> jobs, CancellationToken cancellationToken)
    {
        var planned = jobs.Select(j => new PlannedJob(j.Job, new DomainInput(j.Job.Domain), j.Delay)).ToList();
        var (sent, error) = await SendMessagesAsync(planned, progress: null, cancellationToken);
        await RecordRowsAsync(sent.Select(p => p.Job).ToList());

        var sentIds = sent.Select(p => p.Job.JobId).ToHashSet(StringComparer.Ordinal);
        var notQueued = jobs.Where(j => !sentIds.Contains(j.Job.JobId)).Select(j => j.Job).ToList();
        if (notQueued.Count > 0)
        {
            LogIncomplete(logger, notQueued.Count, sent.Count, error);
        }
        return new EnqueueOutcome(jobs.Where(j => sentIds.Contains(j.Job.JobId)).Select(j => j.Job).ToList(), notQueued, notQueued.Count > 0 ? error : null);
    }

    private async Task<(IReadOnlyCollection<PlannedJob> Sent, string Error)> SendMessagesAsync(
        IReadOnlyList<PlannedJob> planned, IProgress<SubmissionProgress>? progress, CancellationToken cancellationToken)
    {
        var sent = new ConcurrentBag<PlannedJob>();
        var trace = Activity.Current;
        string? error = null;
        var count = 0;
        // A stop ends the sending, not the sends in flight: a message cancelled mid-request may still
        // have landed, and a job reported as not queued must not run anyway.
        await Parallel.ForEachAsync(planned, new ParallelOptions { MaxDegreeOfParallelism = MaxParallelSends },
            async (item, _) =>
            {
                if (error is not null || cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                try
                {
                    await queue.SendAsync(JobMessage.For(item.Job).WithTraceOf(trace), item.Delay, CancellationToken.None);
                    sent.Add(item);
                    progress?.Report(new SubmissionProgress(Interlocked.Increment(ref count), planned.Count));
                }
                catch (Exception e) when (StorageFaults.IsTransient(e))
                {
                    // Storage is failing: the remaining jobs are not tried one by one.
                    Interlocked.CompareExchange(ref error, $"storage failed: {e.Message}", null);
                }
            });
        if (error is null && sent.Count < planned.Count)
        {
            error = "the submission was stopped before every job was queued";
        }
        return (sent, error ?? "");
    }

    /// <summary>
    /// Writes the rows of the jobs whose messages went out. Best effort by design: a row that cannot be
    /// written now is rebuilt from its message when the job runs, and one already rebuilt is left as it is.
    /// </summary>
    private async Task RecordRowsAsync(IReadOnlyList<JobEntity> rows)
    {
        // Not cancelled with the submission: these jobs are queued, and their rows should say so.
        try
        {
            await jobs.InsertAsync(rows, CancellationToken.None);
        }
        catch (Exception e) when (StorageFaults.IsTransient(e))
        {
            foreach (var row in rows)
            {
                try
                {
                    await jobs.TryAddAsync(row, CancellationToken.None);
                }
                catch (Exception rowError) when (StorageFaults.IsTransient(rowError))
                {
                    LogRowsDeferred(logger, rows.Count, rowError.Message);
                    return;
                }
            }
        }
    }

    private sealed record PlannedJob(JobEntity Job, DomainInput Input, TimeSpan? Delay)
    {
        public SubmittedJob AsSubmitted() => new(Job.JobId, Job.Domain, Input);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Submitted {Jobs} jobs ({Duplicates} duplicates folded, {Rejected} inputs rejected)")]
    private static partial void LogSubmitted(ILogger logger, int jobs, int duplicates, int rejected);

    [LoggerMessage(Level = LogLevel.Error, Message = "A submission stopped part-way: {NotQueued} jobs were not queued, {Queued} were: {Error}")]
    private static partial void LogIncomplete(ILogger logger, int notQueued, int queued, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write the rows of {Jobs} queued jobs ({Error}); each is rebuilt from its message when it runs")]
    private static partial void LogRowsDeferred(ILogger logger, int jobs, string error);
}

/// <summary>How many of a submission's jobs have their message sent.</summary>
public readonly record struct SubmissionProgress(int Sent, int Total);

/// <summary>A job to queue with an initial visibility delay (null: visible at once).</summary>
public sealed record ScheduledJob(JobEntity Job, TimeSpan? Delay);

/// <summary>What <see cref="SubmissionService.EnqueueAsync"/> came to: the jobs that exist, and those that do not (storage failed or the run was stopped).</summary>
public sealed record EnqueueOutcome(IReadOnlyList<JobEntity> Queued, IReadOnlyList<JobEntity> NotQueued, string? Error);

/// <summary>A job created by a submission.</summary>
public sealed record SubmittedJob(string JobId, string Domain, DomainInput Input);
