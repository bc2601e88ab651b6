using System.Diagnostics;
using System.Globalization;
using Backlinks.DomDetailer;
using Backlinks.Links;
using Backlinks.Storage;
using Backlinks.Telemetry;
using Backlinks.Throttling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backlinks.Jobs;

/// <summary>
/// Runs one job message: serves it from a fresh snapshot, or, when the app-wide gates allow, calls the
/// API once and stores the answer, or schedules the next attempt. Nothing here waits: a 429, 402, pause,
/// budget or shared call re-sends the job with a visibility delay and completes the message. Expected
/// failures, storage faults included, come back as an outcome; <see cref="MessageAction.For"/> says what
/// the queue runner does with the message.
/// </summary>
public sealed partial class JobProcessor(
    JobStore jobs,
    JobDelivery delivery,
    JobQueue queue,
    MetricsStore metrics,
    RawResponseStore raw,
    RawSnapshots storedSnapshots,
    SnapshotIngestor links,
    DomDetailerClient api,
    ApiGate apiGate,
    CallReservations reservations,
    CreditLedger ledger,
    BackoffPolicy backoff,
    IOptions<BackoffOptions> backoffOptions,
    IOptions<CacheOptions> cacheOptions,
    TimeProvider time,
    BacklinksMetrics telemetry,
    ILogger<JobProcessor> logger)
{
    private readonly BackoffOptions _backoff = backoffOptions.Value;
    private readonly CacheOptions _cache = cacheOptions.Value;

    /// <summary>How the error of a job failed by a paid but unreadable answer starts.</summary>
    public const string MalformedResponse = "malformed_response";

    // A re-sent message is never visible at once, so its job row is almost always recorded first.
    private static readonly TimeSpan MinimumDelay = TimeSpan.FromSeconds(1);

    /// <summary>Runs a job that has no queue message (<c>backlinks lookup</c> runs its job in-process).</summary>
    public Task<JobOutcome> ProcessAsync(string messageBody, CancellationToken cancellationToken) =>
        ProcessAsync(messageBody, messageId: null, cancellationToken);

    /// <param name="messageId">The queue message's id: it tells a redelivery of this message from another copy of the job's message.</param>
    public Task<JobOutcome> ProcessAsync(string messageBody, string? messageId, CancellationToken cancellationToken) =>
        JobDelivery.TracedAsync(BacklinksTelemetry.Spans.Job, messageBody, async () =>
        {
            try
            {
                return await RunAsync(messageBody, messageId, cancellationToken);
            }
            catch (Exception e) when (StorageFaults.IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                LogStorageFault(logger, e.GetType().Name, e.Message);
                return new JobOutcome(JobOutcomeKind.RetryMessage, null, $"storage failed: {e.Message}");
            }
        });

    /// <summary>The outcome as spans and queries name it: <c>succeeded</c>, <c>deferred</c>, <c>failed</c>, <c>skipped</c>, <c>retry_message</c>, <c>ahead_of_row</c>.</summary>
    public static string OutcomeName(JobOutcomeKind kind) => kind switch
    {
        JobOutcomeKind.Succeeded => "succeeded",
        JobOutcomeKind.Deferred => "deferred",
        JobOutcomeKind.Failed => "failed",
        JobOutcomeKind.Skipped => "skipped",
        JobOutcomeKind.RetryMessage => "retry_message",
        JobOutcomeKind.AheadOfRow => "ahead_of_row",
        _ => kind.ToString(),
    };

    private async Task<JobOutcome> RunAsync(string messageBody, string? messageId, CancellationToken cancellationToken)
    {
        var (job, skip) = await delivery.LoadCurrentJobAsync(messageBody, cancellationToken);
        if (job is null)
        {
            return skip!;
        }

        // Spend nothing twice: a snapshot fresh enough for this job answers it without a call.
        var now = time.GetUtcNow();
        if (job is { Status: JobStatus.Queued, Attempts: 0, StartedAtUtc: null })
        {
            // The job's first run: how long it sat in the queue.
            telemetry.RecordQueueDelay(now - job.CreatedAtUtc);
            JobDelivery.JobSpan()?.SetTag(BacklinksTelemetry.Attributes.QueueDelaySeconds, (now - job.CreatedAtUtc).TotalSeconds);
        }
        var (pairNewest, latest) = await metrics.FindNewestAsync(job.Domain, job.OnePerDomain, cancellationToken);
        if (pairNewest is not null && IsFreshFor(job, pairNewest, now))
        {
            return await SucceedAsync(job, Reference(pairNewest), paidCall: false, cancellationToken);
        }

        var gate = await apiGate.CheckAsync(cancellationToken);
        if (!gate.MayCall)
        {
            return await DeferAsync(job, gate.WaitReason!, backoff.AtLeast(gate.Until!.Value - now), Explain(gate.WaitReason!), cancellationToken);
        }

        switch (await reservations.TryReserveAsync(job.JobId, messageId, job.RetriedAtUtc, job.Domain, job.OnePerDomain, pairNewest?.FetchedAtUtc, cancellationToken))
        {
            case BudgetSpent:
                var nextDay = CreditLedger.NextDay(now);
                return await DeferAsync(job, WaitReason.Budget, backoff.AtLeast(nextDay - now),
                    $"the daily budget of {ledger.DailyBudget} credits is spent; waiting for {nextDay:yyyy-MM-dd} UTC", cancellationToken);
            case CallShared:
                return await DeferAsync(job, WaitReason.SharedCall, backoff.AtLeast(_cache.SharedCallWait), Explain(WaitReason.SharedCall), cancellationToken);
            case CallReserved reserved:
                return await CallAsync(job, reserved, latest, cancellationToken);
            default:
                throw new InvalidOperationException("Unhandled reservation.");
        }
    }

    private async Task<JobOutcome> CallAsync(JobEntity job, CallReserved reserved, MetricsSnapshotEntity? latest, CancellationToken cancellationToken)
    {
        // An earlier attempt of this job got as far as the call: if it stored the answer, finish from it.
        if (reserved.PreviousClaimAtUtc is { } claimedAt && await FindStoredSnapshotAsync(job, claimedAt, cancellationToken) is { } stored)
        {
            await ledger.ReleaseAsync(reserved.LedgerRow, CancellationToken.None);
            LogResumed(logger, job.JobId, stored.RawBlobPath);
            return await StoreAsync(job, stored, latest, paidCall: false, cancellationToken);
        }

        job.MarkRunning(time.GetUtcNow());
        JobDelivery.TagJob(job);
        // Recorded before the call, on the row's ETag, so that an operator's cancel and the call never both
        // happen: a cancel that lands first stops this attempt before it spends anything, and a cancel after
        // this write finds the job running and is refused.
        BacklinksFetchResult? result = null;
        try
        {
            if (await delivery.ReplaceJobAsync(job, cancellationToken))
            {
                result = await api.GetBacklinksAsync(job.Domain, job.OnePerDomain, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The runner quit (a second Ctrl-C) and gives the message back: the row says queued again, not running,
            // so that status and cancel tell the truth until the next delivery runs it.
            await GiveBackAsync(job, reserved);
            if (job.Status == JobStatus.Running)
            {
                job.MarkRequeued("the worker quit before the answer came; the job runs again", time.GetUtcNow());
                await delivery.ReplaceJobAsync(job, CancellationToken.None);
            }
            throw;
        }
        catch
        {
            await GiveBackAsync(job, reserved);
            throw;
        }
        if (result is null)
        {
            await GiveBackAsync(job, reserved);
            return await RowChangedBeforeCallAsync(job, cancellationToken);
        }
        if (result is not (BacklinksFetched or BacklinksMalformed))
        {
            // Only an answer with data is paid for.
            await GiveBackAsync(job, reserved);
        }

        switch (result)
        {
            case BacklinksFetched fetched:
                await apiGate.ShareRateIfDueAsync(cancellationToken);
                var snapshot = await UploadAsync(job, fetched, cancellationToken);
                return await StoreAsync(job, snapshot, latest, paidCall: true, cancellationToken);
            case BacklinksMalformed malformed:
                return await FailMalformedAsync(job, malformed, cancellationToken);
            case BacklinksRateLimited limited:
                // The app holds its calls as long as the API asks; this job alone also backs off by its own count.
                var notBefore = await apiGate.OnRateLimitedAsync(limited.RetryAfter, cancellationToken);
                var ownDelay = backoff.RateLimitDelay(++job.RateLimitedCount, limited.RetryAfter);
                var delay = notBefore - time.GetUtcNow() > ownDelay ? notBefore - time.GetUtcNow() : ownDelay;
                return await DeferAsync(job, WaitReason.RateLimited, delay, "rate limited (HTTP 429)", cancellationToken);
            case BacklinksOutOfCredits:
                job.OutOfCreditsCount++;
                var pauseEnds = await apiGate.OnOutOfCreditsAsync(cancellationToken);
                return await DeferAsync(job, WaitReason.OutOfCredits, backoff.AtLeast(pauseEnds - time.GetUtcNow()), "out of credits (HTTP 402)", cancellationToken);
            case BacklinksInvalidRequest invalid:
                return await delivery.FailAsync(job, ApiErrorText.WithMessage($"the API refused the request ({invalid.StatusText})", invalid.Message), cancellationToken);
            case BacklinksInvalidApiKey badKey:
                // The account's key, not this job, is at fault: every job waits until a working key is configured.
                LogBadKey(logger, job.JobId, ApiErrorText.WithMessage(badKey.StatusText, badKey.Message));
                var recheck = await apiGate.OnKeyRejectedAsync(badKey.StatusText, cancellationToken);
                return await DeferAsync(job, WaitReason.InvalidApiKey, backoff.AtLeast(recheck - time.GetUtcNow()),
                    $"the API key was rejected ({badKey.StatusText}): set a working DomDetailer__ApiKey; jobs resume with it", cancellationToken);
            case BacklinksTransientFailure transient:
                return await RequeueAsync(job, transient.Reason, cancellationToken);
            case BacklinksWithheld:
                // Another job met the pause while this one waited for its turn: it waits for the pause like any job.
                var pause = await apiGate.CheckAsync(cancellationToken);
                return pause.MayCall
                    ? await DeferAsync(job, WaitReason.SharedPause, MinimumDelay, Explain(WaitReason.SharedPause), cancellationToken)
                    : await DeferAsync(job, pause.WaitReason!, backoff.AtLeast(pause.Until!.Value - time.GetUtcNow()), Explain(pause.WaitReason!), cancellationToken);
            default:
                throw new InvalidOperationException($"Unhandled result {result.GetType().Name}.");
        }
    }

    private async Task<JobOutcome> RowChangedBeforeCallAsync(JobEntity job, CancellationToken cancellationToken)
    {
        var current = await jobs.GetAsync(job.GetJobId(), cancellationToken);
        if (current?.Status == JobStatus.Cancelled)
        {
            return new JobOutcome(JobOutcomeKind.Cancelled, job.JobId, "cancelled by an operator before the call");
        }
        return new JobOutcome(JobOutcomeKind.RetryMessage, job.JobId, "the job row changed before the call");
    }

    private async Task GiveBackAsync(JobEntity job, CallReserved reserved)
    {
        await ledger.ReleaseAsync(reserved.LedgerRow, CancellationToken.None);
        await reservations.ReleaseAsync(job.JobId, job.Domain, job.OnePerDomain, CancellationToken.None);
    }

    /// <summary>Stores the answer byte for byte, with the metadata that makes the blob a snapshot on its own (replay, resume).</summary>
    private async Task<StoredSnapshot> UploadAsync(JobEntity job, BacklinksFetched fetched, CancellationToken cancellationToken)
    {
        var (path, fetchedAt) = await UploadRawAsync(job, fetched.RawJson, malformed: false, cancellationToken);
        return new StoredSnapshot(job.Domain, job.JobId, fetchedAt, job.OnePerDomain, path, fetched.Response);
    }

    private async Task<(string Path, DateTimeOffset FetchedAt)> UploadRawAsync(JobEntity job, ReadOnlyMemory<byte> body, bool malformed, CancellationToken cancellationToken)
    {
        var fetchedAt = time.GetUtcNow();
        var path = RawResponseStore.PathFor(job.Domain, fetchedAt, job.JobId);
        var metadata = new Dictionary<string, string>
        {
            ["jobId"] = job.JobId,
            ["domain"] = job.Domain,
            ["fetchedAtUtc"] = fetchedAt.ToString("O", CultureInfo.InvariantCulture),
            ["onePerDomain"] = job.OnePerDomain ? "true" : "false",
        };
        if (malformed)
        {
            metadata["malformed"] = "true";
        }
        using (BacklinksTelemetry.StartStorageWrite(BacklinksTelemetry.Spans.UploadRaw, "blob"))
        {
            await raw.UploadAsync(path, body, metadata, cancellationToken);
        }
        return (path, fetchedAt);
    }

    /// <summary>
    /// A 200 that is not the documented JSON was paid for: keep it, count it, and fail the job at once.
    /// Another call would pay again for what may well be the same answer, so a retry is the user's choice.
    /// </summary>
    private async Task<JobOutcome> FailMalformedAsync(JobEntity job, BacklinksMalformed malformed, CancellationToken cancellationToken)
    {
        var (path, _) = await UploadRawAsync(job, malformed.RawBody, malformed: true, cancellationToken);
        await reservations.ReleaseAsync(job.JobId, job.Domain, job.OnePerDomain, CancellationToken.None);
        var failed = await delivery.FailAsync(job, $"{MalformedResponse}: {malformed.Reason}; the answer (3 credits) is stored at {path}", cancellationToken);
        return failed with { PaidCall = true };
    }

    /// <summary>Applies a stored snapshot to the link and metrics tables and marks the job succeeded with it.</summary>
    private async Task<JobOutcome> StoreAsync(JobEntity job, StoredSnapshot snapshot, MetricsSnapshotEntity? latest, bool paidCall, CancellationToken cancellationToken)
    {
        SnapshotApplied applied;
        using (BacklinksTelemetry.StartStorageWrite(BacklinksTelemetry.Spans.ApplySnapshot, "tables"))
        {
            applied = await links.ApplyAsync(snapshot, cancellationToken, new LatestRowAsRead(latest));
        }
        if (applied.Kind == SnapshotApplyKind.Applied)
        {
            telemetry.RecordLinkChanges(applied.Metrics.NewLinks ?? 0, applied.Metrics.LostLinks ?? 0);
        }
        LogStored(logger, job.JobId, job.Domain, applied.Metrics.BacklinkRows, snapshot.RawBlobPath);
        return await SucceedAsync(job, Reference(applied.Metrics), paidCall, cancellationToken);
    }

    /// <summary>The snapshot an earlier attempt stored: fetched on the day of its claim, or just after midnight.</summary>
    private async Task<StoredSnapshot?> FindStoredSnapshotAsync(JobEntity job, DateTimeOffset claimedAt, CancellationToken cancellationToken)
    {
        foreach (var day in new[] { claimedAt, claimedAt.AddDays(1) })
        {
            if (await storedSnapshots.TryReadAsync(RawResponseStore.PathFor(job.Domain, day, job.JobId), cancellationToken) is { } stored)
            {
                return stored;
            }
        }
        return null;
    }

    /// <summary>
    /// A snapshot fetched after the job was created (another job's call for the same pair, or this
    /// job's own before a crash) always serves; an older one only within the cache window and without force.
    /// </summary>
    private bool IsFreshFor(JobEntity job, MetricsSnapshotEntity snapshot, DateTimeOffset now) =>
        snapshot.FetchedAtUtc >= job.CreatedAtUtc || (!job.Force && now - snapshot.FetchedAtUtc < _cache.Window);

    private static SnapshotReference Reference(MetricsSnapshotEntity snapshot) =>
        new(snapshot.JobId, snapshot.RawBlobPath, snapshot.FetchedAtUtc, snapshot.BacklinkRows);

    private static string Explain(string waitReason) => waitReason switch
    {
        WaitReason.SharedPause => "the app is paused: out of credits (HTTP 402)",
        WaitReason.SharedRateLimit => "the app is slowed down after HTTP 429",
        WaitReason.SharedCall => "another job is fetching the same domain; this one takes its result",
        WaitReason.InvalidApiKey => "the API key was rejected (HTTP 401/403, or the balance endpoint's Account Not Found): set a working DomDetailer__ApiKey; jobs resume with it",
        _ => waitReason,
    };

    /// <summary>The job this message may still run (its row rebuilt from the message if it is missing), or why there is nothing to do.</summary>
    private async Task<JobOutcome> SucceedAsync(JobEntity job, SnapshotReference snapshot, bool paidCall, CancellationToken cancellationToken)
    {
        job.MarkSucceeded(snapshot, time.GetUtcNow());
        if (!await delivery.ReplaceJobAsync(job, cancellationToken))
        {
            // Someone else changed the row meanwhile; the snapshot is stored either way, so record it on the row as it is now.
            var current = await jobs.GetAsync(job.GetJobId(), cancellationToken);
            if (current is not null && !current.IsTerminal())
            {
                current.MarkSucceeded(snapshot, time.GetUtcNow());
                await delivery.ReplaceJobAsync(current, cancellationToken);
            }
        }
        delivery.RecordCompleted(job, JobStatus.Succeeded);
        if (job.ServedFromCache)
        {
            LogServedFromSnapshot(logger, job.JobId, job.Domain, snapshot.JobId);
        }
        return new JobOutcome(JobOutcomeKind.Succeeded, job.JobId,
            job.ServedFromCache ? $"served from the snapshot of job {snapshot.JobId}: {snapshot.RawBlobPath}" : snapshot.RawBlobPath)
        { PaidCall = paidCall };
    }

    private async Task<JobOutcome> DeferAsync(JobEntity job, string reason, TimeSpan delay, string explanation, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var next = now + delay;
        // A rejected key is the operator's to fix: the jobs wait for it, however long, rather than fail.
        // A retried job waits anew from its retry, not from its creation.
        var waitingSince = job.RetriedAtUtc ?? job.CreatedAtUtc;
        if (reason != WaitReason.InvalidApiKey && next - waitingSince > _backoff.MaxWait)
        {
            return await delivery.FailAsync(job, $"gave up: still {explanation} after waiting since {waitingSince:u} (limit {_backoff.MaxWait})", cancellationToken);
        }

        // Send first, then record it: if recording fails, this message is retried and re-sends with the
        // same sequence number and a new token, which makes the first one stale. A message delivered
        // before its record lands is "ahead" and retried. So no job is lost, and none runs twice.
        // The next attempt continues this delivery's trace, so that every attempt of a job is one trace.
        var message = job.MarkWaiting(reason, next, explanation, now).WithTraceOf(Activity.Current);
        using (BacklinksTelemetry.StartStorageWrite(BacklinksTelemetry.Spans.SendMessage, "queue"))
        {
            await queue.SendAsync(message, delay < MinimumDelay ? MinimumDelay : delay, cancellationToken);
        }
        if (!await delivery.ReplaceJobAsync(job, cancellationToken))
        {
            return new JobOutcome(JobOutcomeKind.RetryMessage, job.JobId, "the job row changed while scheduling the next attempt");
        }
        LogDeferred(logger, job.JobId, job.Domain, reason, delay.TotalSeconds, next);
        return new JobOutcome(JobOutcomeKind.Deferred, job.JobId, reason, next);
    }

    private async Task<JobOutcome> RequeueAsync(JobEntity job, string reason, CancellationToken cancellationToken)
    {
        job.MarkRequeued(reason, time.GetUtcNow());
        await delivery.ReplaceJobAsync(job, cancellationToken);
        LogTransient(logger, job.JobId, job.Domain, job.Attempts, reason);
        return new JobOutcome(JobOutcomeKind.RetryMessage, job.JobId, reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ({Domain}) served from the snapshot of job {SnapshotJobId}: no call")]
    private static partial void LogServedFromSnapshot(ILogger logger, string jobId, string domain, string snapshotJobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ({Domain}) succeeded: {Rows} backlink rows stored at {Path}")]
    private static partial void LogStored(ILogger logger, string jobId, string domain, int rows, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} resumed from the answer an earlier attempt stored at {Path}: no second call")]
    private static partial void LogResumed(ILogger logger, string jobId, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ({Domain}) waits ({Reason}) {DelaySeconds:0} s, until {NextAttempt:u}")]
    private static partial void LogDeferred(ILogger logger, string jobId, string domain, string reason, double delaySeconds, DateTimeOffset nextAttempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration error: DomDetailer rejected the API key ({Answer}) while running job {JobId}; every job waits for a working key")]
    private static partial void LogBadKey(ILogger logger, string jobId, string answer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} ({Domain}) attempt {Attempt} hit a transient failure, the queue will retry: {Reason}")]
    private static partial void LogTransient(ILogger logger, string jobId, string domain, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage failed while processing a job message ({Type}); the queue will retry it: {Error}")]
    private static partial void LogStorageFault(ILogger logger, string type, string error);
}
