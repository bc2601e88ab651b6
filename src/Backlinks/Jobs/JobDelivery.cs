using System.Diagnostics;
using Backlinks.Telemetry;
using Microsoft.Extensions.Logging;

namespace Backlinks.Jobs;

/// <summary>
/// The job row's side of one queue delivery, shared by running a job (<see cref="JobProcessor"/>) and failing a
/// poisoned one (<see cref="PoisonedJobs"/>): the delivery's span, the job its message stands for (or why the
/// message is dropped), and the writes that end a job. Nothing here touches the API, so failing and retrying jobs
/// need no API key.
/// </summary>
/// <remarks>It logs under <see cref="JobProcessor"/>'s category, which log filters and queries already name.</remarks>
public sealed partial class JobDelivery(JobStore jobs, TimeProvider time, BacklinksMetrics telemetry, ILogger<JobProcessor> logger)
{
    /// <summary>
    /// Runs one delivery in a span of the job's trace: the child of the trace context its message carries
    /// (the submission's, or the previous attempt's), linked to the runner's own span (a Functions invocation).
    /// </summary>
    public static async Task<JobOutcome> TracedAsync(string name, string messageBody, Func<Task<JobOutcome>> run)
    {
        var ambient = Activity.Current;
        var carried = JobMessage.TryParse(messageBody, out var message, out _) ? message.TraceContext() : null;
        using var span = carried is { } parent
            ? BacklinksTelemetry.Source.StartActivity(name, ActivityKind.Consumer, parent, links: ambient is null ? null : [new ActivityLink(ambient.Context)])
            : BacklinksTelemetry.Source.StartActivity(name, ActivityKind.Consumer);
        try
        {
            var outcome = await run();
            span?.SetTag(BacklinksTelemetry.Attributes.Outcome, JobProcessor.OutcomeName(outcome.Kind))
                .SetTag(BacklinksTelemetry.Attributes.JobId, outcome.JobId)
                .SetTag(BacklinksTelemetry.Attributes.Detail, outcome.Detail);
            if (outcome.Kind is JobOutcomeKind.Failed or JobOutcomeKind.RetryMessage)
            {
                span?.SetStatus(ActivityStatusCode.Error, outcome.Detail);
            }
            return outcome;
        }
        catch (Exception e)
        {
            span?.SetTag(BacklinksTelemetry.Attributes.Outcome, "error").SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            throw;
        }
    }

    /// <summary>The job's identity and attempt count on the delivery's span.</summary>
    public static void TagJob(JobEntity job) =>
        JobSpan()?.SetTag(BacklinksTelemetry.Attributes.Domain, job.Domain)
            .SetTag(BacklinksTelemetry.Attributes.JobId, job.JobId)
            .SetTag(BacklinksTelemetry.Attributes.Attempt, job.Attempts);

    /// <summary>The delivery's span, when it is recording and no child span is open.</summary>
    public static Activity? JobSpan() =>
        Activity.Current is { OperationName: BacklinksTelemetry.Spans.Job or BacklinksTelemetry.Spans.PoisonedJob } span ? span : null;

    /// <summary>A job's end in the metrics and on its delivery's span.</summary>
    public void RecordCompleted(JobEntity job, string status)
    {
        var duration = job.CompletedAtUtc!.Value - job.CreatedAtUtc;
        telemetry.RecordJobCompleted(status, duration);
        JobSpan()?.SetTag(BacklinksTelemetry.Attributes.JobDurationSeconds, duration.TotalSeconds);
    }

    /// <summary>The job a message stands for, when the message is the one to run it now; otherwise why it is dropped or retried.</summary>
    public async Task<(JobEntity? Job, JobOutcome? Skip)> LoadCurrentJobAsync(string messageBody, CancellationToken cancellationToken)
    {
        if (!JobMessage.TryParse(messageBody, out var message, out var parseError))
        {
            LogUnreadable(logger, parseError);
            return (null, new JobOutcome(JobOutcomeKind.Skipped, null, $"unreadable message dropped: {parseError}"));
        }

        var job = await jobs.GetAsync(message.Id, cancellationToken);
        if (job is null && message.DescribesJob)
        {
            // The message goes out before its row: a submission stopped in between still runs its jobs.
            var rebuilt = JobEntity.FromMessage(message);
            job = await jobs.TryAddAsync(rebuilt, cancellationToken) ? rebuilt : await jobs.GetAsync(message.Id, cancellationToken);
            LogRebuilt(logger, message.JobId);
        }
        if (job is null)
        {
            LogUnknownJob(logger, message.JobId);
            return (null, new JobOutcome(JobOutcomeKind.Skipped, message.JobId, "no such job"));
        }
        TagJob(job);
        if (job.Status == JobStatus.Cancelled)
        {
            // An operator cancelled the job: its message is dropped, no call, no credit.
            return (null, new JobOutcome(JobOutcomeKind.Cancelled, job.JobId, "cancelled by an operator"));
        }
        if (job.IsTerminal())
        {
            return (null, new JobOutcome(JobOutcomeKind.Skipped, job.JobId, $"already {job.Status}"));
        }
        if (message.Seq > job.MessageSeq)
        {
            // Sent before the row recording it was written (or while that write failed): try again later.
            return (null, new JobOutcome(JobOutcomeKind.AheadOfRow, job.JobId, "the message is ahead of its job row"));
        }
        if (message.Seq < job.MessageSeq || message.Token != job.MessageToken)
        {
            return (null, new JobOutcome(JobOutcomeKind.Skipped, job.JobId, "stale message: a later message carries this job"));
        }
        return (job, null);
    }

    public async Task<JobOutcome> FailAsync(JobEntity job, string reason, CancellationToken cancellationToken)
    {
        job.MarkFailed(reason, time.GetUtcNow());
        await ReplaceJobAsync(job, cancellationToken);
        RecordCompleted(job, JobStatus.Failed);
        LogFailed(logger, job.JobId, job.Domain, reason);
        return new JobOutcome(JobOutcomeKind.Failed, job.JobId, reason);
    }

    /// <summary>Writes the job row if no one changed it since it was read (its ETag).</summary>
    public async Task<bool> ReplaceJobAsync(JobEntity job, CancellationToken cancellationToken)
    {
        using var span = BacklinksTelemetry.StartStorageWrite(BacklinksTelemetry.Spans.WriteJobRow, "table");
        return await jobs.TryReplaceAsync(job, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped an unreadable job message: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a message for unknown job {JobId}")]
    private static partial void LogUnknownJob(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} had no row: rebuilt it from its message")]
    private static partial void LogRebuilt(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} ({Domain}) failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string jobId, string domain, string reason);
}
