using Backlinks.DomDetailer;
using Backlinks.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backlinks.Jobs;

/// <summary>
/// Runs one job message: calls the API once and stores the answer, or schedules the next attempt.
/// Nothing here waits: a 429 or 402 re-sends the job with a visibility delay and completes the message.
/// </summary>
public sealed partial class JobProcessor(
    StorageClients storage,
    JobStore jobs,
    JobQueue queue,
    MetricsStore metrics,
    RawResponseStore raw,
    DomDetailerClient api,
    BackoffPolicy backoff,
    IOptions<BackoffOptions> backoffOptions,
    TimeProvider time,
    ILogger<JobProcessor> logger)
{
    private readonly BackoffOptions _backoff = backoffOptions.Value;

    public async Task<JobOutcome> ProcessAsync(string messageBody, CancellationToken cancellationToken)
    {
        var (job, skip) = await LoadCurrentJobAsync(messageBody, cancellationToken);
        if (job is null)
        {
            return skip!;
        }

        var now = time.GetUtcNow();
        job.Status = JobStatus.Running;
        job.Attempts++;
        job.StartedAtUtc ??= now;
        job.UpdatedAtUtc = now;
        job.WaitReason = null;
        job.NextAttemptAtUtc = null;
        if (!await jobs.TryReplaceAsync(job, cancellationToken))
        {
            return new JobOutcome(JobOutcomeKind.Skipped, job.JobId, "another worker took the job");
        }

        var result = await api.GetBacklinksAsync(job.Domain, job.OnePerDomain, cancellationToken);
        return result switch
        {
            BacklinksFetched fetched => await SucceedAsync(job, fetched, cancellationToken),
            BacklinksRateLimited limited => await DeferAsync(job, WaitReason.RateLimited,
                backoff.RateLimitDelay(++job.RateLimitedCount, limited.RetryAfter), "rate limited (HTTP 429)", cancellationToken),
            BacklinksOutOfCredits credits => await DeferAsync(job, WaitReason.OutOfCredits,
                backoff.OutOfCreditsDelay(++job.OutOfCreditsCount, credits.RetryAfter), "out of credits (HTTP 402)", cancellationToken),
            BacklinksInvalidRequest invalid => await FailAsync(job,
                $"the API refused the request (HTTP {invalid.Status} {invalid.Error}): {invalid.Message}", cancellationToken),
            BacklinksInvalidApiKey badKey => await FailForBadKeyAsync(job, badKey, cancellationToken),
            BacklinksTransientFailure transient => await RetryMessageAsync(job, transient.Reason, cancellationToken),
            _ => throw new InvalidOperationException($"Unhandled result {result.GetType().Name}."),
        };
    }

    /// <summary>Called for a message the host moved to the poison queue: the job fails with its last error.</summary>
    public async Task<JobOutcome> FailPoisonedAsync(string messageBody, CancellationToken cancellationToken)
    {
        var (job, skip) = await LoadCurrentJobAsync(messageBody, cancellationToken);
        if (job is null)
        {
            return skip!;
        }
        var attempts = job.Attempts == 1 ? "1 attempt" : $"{job.Attempts} attempts";
        return await FailAsync(job, $"gave up after {attempts}: {job.LastError ?? "the message could not be processed"}", cancellationToken);
    }

    /// <summary>The job this message may still run, or why there is nothing to do for it.</summary>
    private async Task<(JobEntity? Job, JobOutcome? Skip)> LoadCurrentJobAsync(string messageBody, CancellationToken cancellationToken)
    {
        if (!JobMessage.TryParse(messageBody, out var message, out var parseError))
        {
            LogUnreadable(logger, parseError);
            return (null, new JobOutcome(JobOutcomeKind.Skipped, null, $"unreadable message dropped: {parseError}"));
        }

        await storage.EnsureCreatedAsync();
        var job = await jobs.GetAsync(message.Id, cancellationToken);
        if (job is null)
        {
            LogUnknownJob(logger, message.JobId);
            return (null, new JobOutcome(JobOutcomeKind.Skipped, message.JobId, "no such job"));
        }
        if (JobStatus.IsTerminal(job.Status))
        {
            return (null, new JobOutcome(JobOutcomeKind.Skipped, job.JobId, $"already {job.Status}"));
        }
        if (message.Token != job.MessageToken)
        {
            return (null, new JobOutcome(JobOutcomeKind.Skipped, job.JobId, "stale message: a later message carries this job"));
        }
        return (job, null);
    }

    private async Task<JobOutcome> SucceedAsync(JobEntity job, BacklinksFetched fetched, CancellationToken cancellationToken)
    {
        var fetchedAt = time.GetUtcNow();
        var path = RawResponseStore.PathFor(job.Domain, fetchedAt, job.JobId);
        await raw.UploadAsync(path, fetched.RawJson, new Dictionary<string, string>
        {
            ["jobId"] = job.JobId,
            ["domain"] = job.Domain,
            ["fetchedAtUtc"] = fetchedAt.ToString("O"),
            ["onePerDomain"] = job.OnePerDomain ? "true" : "false",
        }, cancellationToken);

        var snapshot = MetricsSnapshotEntity.ForHistory(job.Domain, job.JobId, job.OnePerDomain, fetchedAt, fetched.Response, path);
        await metrics.SaveAsync(snapshot, cancellationToken);

        job.Status = JobStatus.Succeeded;
        job.FetchedAtUtc = fetchedAt;
        job.CompletedAtUtc = fetchedAt;
        job.UpdatedAtUtc = fetchedAt;
        job.RawBlobPath = path;
        job.BacklinkRows = snapshot.BacklinkRows;
        job.LastError = null;
        await jobs.TryReplaceAsync(job, cancellationToken);
        LogSucceeded(logger, job.JobId, job.Domain, snapshot.BacklinkRows, path);
        return new JobOutcome(JobOutcomeKind.Succeeded, job.JobId, path);
    }

    private async Task<JobOutcome> DeferAsync(JobEntity job, string reason, TimeSpan delay, string error, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var next = now + delay;
        if (next - job.CreatedAtUtc > _backoff.MaxWait)
        {
            return await FailAsync(job, $"gave up: still {error} after waiting since {job.CreatedAtUtc:u} (limit {_backoff.MaxWait})", cancellationToken);
        }

        // Send first, then record the token: if recording fails, this message is retried and the
        // message just sent is stale (its token never reached the job), so no job is lost or run twice.
        var token = Guid.NewGuid().ToString("N");
        await queue.SendAsync(JobMessage.For(job.GetJobId(), token), delay, cancellationToken);

        job.Status = JobStatus.Waiting;
        job.WaitReason = reason;
        job.NextAttemptAtUtc = next;
        job.MessageToken = token;
        job.LastError = error;
        job.UpdatedAtUtc = now;
        if (!await jobs.TryReplaceAsync(job, cancellationToken))
        {
            throw new JobRetryException(job.JobId, "the job row changed while scheduling the next attempt");
        }
        LogDeferred(logger, job.JobId, job.Domain, reason, delay.TotalSeconds, next);
        return new JobOutcome(JobOutcomeKind.Deferred, job.JobId, reason, next);
    }

    private async Task<JobOutcome> FailForBadKeyAsync(JobEntity job, BacklinksInvalidApiKey badKey, CancellationToken cancellationToken)
    {
        LogBadKey(logger, job.JobId, badKey.Error, badKey.Message);
        return await FailAsync(job, $"the API key was rejected (HTTP 401 {badKey.Error}): check the DomDetailer__ApiKey setting", cancellationToken);
    }

    private async Task<JobOutcome> FailAsync(JobEntity job, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        job.Status = JobStatus.Failed;
        job.LastError = reason;
        job.WaitReason = null;
        job.NextAttemptAtUtc = null;
        job.CompletedAtUtc = now;
        job.UpdatedAtUtc = now;
        await jobs.TryReplaceAsync(job, cancellationToken);
        LogFailed(logger, job.JobId, job.Domain, reason);
        return new JobOutcome(JobOutcomeKind.Failed, job.JobId, reason);
    }

    private async Task<JobOutcome> RetryMessageAsync(JobEntity job, string reason, CancellationToken cancellationToken)
    {
        job.Status = JobStatus.Queued;
        job.LastError = reason;
        job.UpdatedAtUtc = time.GetUtcNow();
        await jobs.TryReplaceAsync(job, cancellationToken);
        LogTransient(logger, job.JobId, job.Domain, job.Attempts, reason);
        return new JobOutcome(JobOutcomeKind.RetryMessage, job.JobId, reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped an unreadable job message: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a message for unknown job {JobId}")]
    private static partial void LogUnknownJob(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ({Domain}) succeeded: {Rows} backlink rows stored at {Path}")]
    private static partial void LogSucceeded(ILogger logger, string jobId, string domain, int rows, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ({Domain}) waits ({Reason}) {DelaySeconds:0} s, until {NextAttempt:u}")]
    private static partial void LogDeferred(ILogger logger, string jobId, string domain, string reason, double delaySeconds, DateTimeOffset nextAttempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration error: DomDetailer rejected the API key ({Error}: {Message}) while running job {JobId}")]
    private static partial void LogBadKey(ILogger logger, string jobId, string? error, string? message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} ({Domain}) failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string jobId, string domain, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} ({Domain}) attempt {Attempt} hit a transient failure, the queue will retry: {Reason}")]
    private static partial void LogTransient(ILogger logger, string jobId, string domain, int attempt, string reason);
}
