using Backlinks.DomDetailer;
using Backlinks.Links;
using Backlinks.Storage;
using Backlinks.Throttling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backlinks.Jobs;

/// <summary>
/// Runs one job message: serves it from a fresh snapshot, or, when the app-wide gates allow, calls the
/// API once and stores the answer, or schedules the next attempt. Nothing here waits: a 429, 402, pause,
/// budget or shared call re-sends the job with a visibility delay and completes the message.
/// </summary>
public sealed partial class JobProcessor(
    StorageClients storage,
    JobStore jobs,
    JobQueue queue,
    MetricsStore metrics,
    RawResponseStore raw,
    SnapshotIngestor links,
    DomDetailerClient api,
    ApiGate apiGate,
    SharedCalls sharedCalls,
    CreditLedger ledger,
    BackoffPolicy backoff,
    IOptions<BackoffOptions> backoffOptions,
    IOptions<CacheOptions> cacheOptions,
    TimeProvider time,
    ILogger<JobProcessor> logger)
{
    private readonly BackoffOptions _backoff = backoffOptions.Value;
    private readonly CacheOptions _cache = cacheOptions.Value;

    // A re-sent message is never visible at once, so its job row is almost always recorded first.
    private static readonly TimeSpan MinimumDelay = TimeSpan.FromSeconds(1);

    public async Task<JobOutcome> ProcessAsync(string messageBody, CancellationToken cancellationToken)
    {
        var (job, skip) = await LoadCurrentJobAsync(messageBody, cancellationToken);
        if (job is null)
        {
            return skip!;
        }

        // Spend nothing twice: a snapshot fresh enough for this job answers it without a call.
        var now = time.GetUtcNow();
        if (await metrics.GetNewestAsync(job.Domain, job.OnePerDomain, cancellationToken) is { } snapshot && IsFreshFor(job, snapshot, now))
        {
            return await ServeFromSnapshotAsync(job, snapshot, cancellationToken);
        }

        var gate = await apiGate.CheckAsync(cancellationToken);
        if (!gate.MayCall)
        {
            return await DeferAsync(job, gate.WaitReason!, backoff.AtLeast(gate.Until!.Value - now), Explain(gate.WaitReason!), cancellationToken);
        }

        if (!await sharedCalls.TryClaimAsync(job.Domain, job.OnePerDomain, job.JobId, now, cancellationToken))
        {
            return await DeferAsync(job, WaitReason.SharedCall, backoff.AtLeast(_cache.SharedCallWait), Explain(WaitReason.SharedCall), cancellationToken);
        }
        try
        {
            return await CallAsync(job, now, cancellationToken);
        }
        finally
        {
            await sharedCalls.ReleaseAsync(job.Domain, job.OnePerDomain, job.JobId, CancellationToken.None);
        }
    }

    private async Task<JobOutcome> CallAsync(JobEntity job, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var day = CreditLedger.DayKey(now);
        if (!await ledger.TryReserveAsync(day, cancellationToken))
        {
            var nextDay = CreditLedger.NextDay(now);
            return await DeferAsync(job, WaitReason.Budget, backoff.AtLeast(nextDay - now),
                $"the daily budget of {ledger.DailyBudget} credits is spent; waiting for {nextDay:yyyy-MM-dd} UTC", cancellationToken);
        }

        job.Status = JobStatus.Running;
        job.Attempts++;
        job.StartedAtUtc ??= now;
        job.UpdatedAtUtc = now;
        job.WaitReason = null;
        job.NextAttemptAtUtc = null;
        if (!await jobs.TryReplaceAsync(job, cancellationToken))
        {
            await ledger.ReleaseAsync(day, CancellationToken.None);
            return new JobOutcome(JobOutcomeKind.Skipped, job.JobId, "another worker took the job");
        }

        BacklinksFetchResult result;
        try
        {
            result = await api.GetBacklinksAsync(job.Domain, job.OnePerDomain, cancellationToken);
        }
        catch
        {
            await ledger.ReleaseAsync(day, CancellationToken.None);
            throw;
        }
        if (result is not BacklinksFetched)
        {
            // Only an answer with data is paid for.
            await ledger.ReleaseAsync(day, cancellationToken);
        }

        switch (result)
        {
            case BacklinksFetched fetched:
                return await SucceedAsync(job, fetched, cancellationToken);
            case BacklinksRateLimited limited:
                var notBefore = await apiGate.OnRateLimitedAsync(backoff.RateLimitDelay(++job.RateLimitedCount, limited.RetryAfter), cancellationToken);
                return await DeferAsync(job, WaitReason.RateLimited, notBefore - time.GetUtcNow(), "rate limited (HTTP 429)", cancellationToken);
            case BacklinksOutOfCredits:
                job.OutOfCreditsCount++;
                var pauseEnds = await apiGate.OnOutOfCreditsAsync(cancellationToken);
                return await DeferAsync(job, WaitReason.OutOfCredits, backoff.AtLeast(pauseEnds - time.GetUtcNow()), "out of credits (HTTP 402)", cancellationToken);
            case BacklinksInvalidRequest invalid:
                return await FailAsync(job, $"the API refused the request (HTTP {invalid.Status} {invalid.Error}): {invalid.Message}", cancellationToken);
            case BacklinksInvalidApiKey badKey:
                return await FailForBadKeyAsync(job, badKey, cancellationToken);
            case BacklinksTransientFailure transient:
                return await RetryMessageAsync(job, transient.Reason, cancellationToken);
            default:
                throw new InvalidOperationException($"Unhandled result {result.GetType().Name}.");
        }
    }

    /// <summary>
    /// A snapshot fetched after the job was created (another job's call for the same pair, or this
    /// job's own before a crash) always serves; an older one only within the cache window and without force.
    /// </summary>
    private bool IsFreshFor(JobEntity job, MetricsSnapshotEntity snapshot, DateTimeOffset now) =>
        snapshot.FetchedAtUtc >= job.CreatedAtUtc || (!job.Force && now - snapshot.FetchedAtUtc < _cache.Window);

    private static string Explain(string waitReason) => waitReason switch
    {
        WaitReason.SharedPause => "the app is paused: out of credits (HTTP 402)",
        WaitReason.SharedRateLimit => "the app is slowed down after HTTP 429",
        WaitReason.SharedCall => "another job is fetching the same domain; this one takes its result",
        _ => waitReason,
    };

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

    private async Task<JobOutcome> ServeFromSnapshotAsync(JobEntity job, MetricsSnapshotEntity snapshot, CancellationToken cancellationToken)
    {
        Complete(job, JobStatus.Succeeded, time.GetUtcNow(), lastError: null);
        job.ServedFromCache = snapshot.JobId != job.JobId;
        job.SnapshotJobId = snapshot.JobId;
        job.RawBlobPath = snapshot.RawBlobPath;
        job.FetchedAtUtc = snapshot.FetchedAtUtc;
        job.BacklinkRows = snapshot.BacklinkRows;
        await jobs.TryReplaceAsync(job, cancellationToken);
        LogServedFromSnapshot(logger, job.JobId, job.Domain, snapshot.JobId);
        return new JobOutcome(JobOutcomeKind.Succeeded, job.JobId, $"served from the snapshot of job {snapshot.JobId}: {snapshot.RawBlobPath}");
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

        // The link tables and the metrics rows (with the link counts), in one call that replay and resume make too.
        var snapshot = (await links.ApplyAsync(new StoredSnapshot(job.Domain, job.JobId, fetchedAt, job.OnePerDomain, path, fetched.Response), cancellationToken)).Metrics;

        Complete(job, JobStatus.Succeeded, fetchedAt, lastError: null);
        job.FetchedAtUtc = fetchedAt;
        job.RawBlobPath = path;
        job.SnapshotJobId = job.JobId;
        job.BacklinkRows = snapshot.BacklinkRows;
        await jobs.TryReplaceAsync(job, cancellationToken);
        LogSucceeded(logger, job.JobId, job.Domain, snapshot.BacklinkRows, path);
        return new JobOutcome(JobOutcomeKind.Succeeded, job.JobId, path) { PaidCall = true };
    }

    private async Task<JobOutcome> DeferAsync(JobEntity job, string reason, TimeSpan delay, string error, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var next = now + delay;
        if (next - job.CreatedAtUtc > _backoff.MaxWait)
        {
            return await FailAsync(job, $"gave up: still {error} after waiting since {job.CreatedAtUtc:u} (limit {_backoff.MaxWait})", cancellationToken);
        }

        // Send first, then record it: if recording fails, this message is retried and re-sends with the
        // same sequence number and a new token, which makes the first one stale. A message delivered
        // before its record lands is "ahead" and retried. So no job is lost, and none runs twice.
        var token = Guid.NewGuid().ToString("N");
        var seq = job.MessageSeq + 1;
        await queue.SendAsync(new JobMessage(JobMessage.CurrentVersion, job.JobId, token, seq), delay < MinimumDelay ? MinimumDelay : delay, cancellationToken);

        job.Status = JobStatus.Waiting;
        job.WaitReason = reason;
        job.NextAttemptAtUtc = next;
        job.MessageToken = token;
        job.MessageSeq = seq;
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
        Complete(job, JobStatus.Failed, time.GetUtcNow(), reason);
        await jobs.TryReplaceAsync(job, cancellationToken);
        LogFailed(logger, job.JobId, job.Domain, reason);
        return new JobOutcome(JobOutcomeKind.Failed, job.JobId, reason);
    }

    /// <summary>The part every final state shares: the status, the times, no wait left.</summary>
    private static void Complete(JobEntity job, string status, DateTimeOffset now, string? lastError)
    {
        job.Status = status;
        job.LastError = lastError;
        job.WaitReason = null;
        job.NextAttemptAtUtc = null;
        job.CompletedAtUtc = now;
        job.UpdatedAtUtc = now;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ({Domain}) served from the snapshot of job {SnapshotJobId}: no call")]
    private static partial void LogServedFromSnapshot(ILogger logger, string jobId, string domain, string snapshotJobId);

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
