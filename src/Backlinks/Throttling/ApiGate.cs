using Backlinks.DomDetailer;
using Backlinks.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backlinks.Throttling;

/// <summary>Whether a job may call the API now, or why and until when it waits.</summary>
public sealed record GateDecision(string? WaitReason, DateTimeOffset? Until)
{
    public static readonly GateDecision Open = new(null, null);

    public bool MayCall => WaitReason is null;
}

/// <summary>
/// Makes the whole app behave as one careful client. A 402 starts one shared pause (stored, so every
/// instance honours it): nobody calls until it ends, and at the end of each interval a single job,
/// holding a lease, asks the free balance endpoint; credits back ends the pause, none doubles it.
/// A 429 sets a shared "not before" time that every job honours.
/// </summary>
public sealed partial class ApiGate(
    StorageClients storage,
    AccountState state,
    AdaptiveRate rate,
    DomDetailerClient api,
    IOptions<BackoffOptions> backoff,
    TimeProvider time,
    ILogger<ApiGate> logger)
{
    private static readonly TimeSpan ProbeLease = TimeSpan.FromSeconds(30);

    // A probe is one quick call: jobs that find one under way look again soon, not at the lease's end.
    private static readonly TimeSpan ProbeRecheck = TimeSpan.FromSeconds(2);

    /// <summary>A "not before" this close is waited out in process by the pacer; a longer one sends the job back to the queue.</summary>
    public static readonly TimeSpan ShortWait = TimeSpan.FromSeconds(2);
    private readonly BackoffOptions _backoff = backoff.Value;

    /// <summary>Whether a job may call now, from the account state as read at most <see cref="AccountState.MaxAge"/> ago.</summary>
    public async Task<GateDecision> CheckAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var row = (await state.GetAsync(cancellationToken)).Control;
        if (row?.RequestRatePerSecond is { } learned && row.RequestRateChangedAtUtc is { } changedAt)
        {
            rate.Adopt(learned, changedAt);
        }
        if (row?.NotBeforeUtc is { } notBefore && notBefore > now)
        {
            if (notBefore - now > ShortWait)
            {
                return new GateDecision(WaitReason.SharedRateLimit, notBefore);
            }
            rate.HoldUntil(notBefore);
        }
        if (row is null || !row.PauseActive)
        {
            rate.PausedUntil(DateTimeOffset.MinValue);
            return GateDecision.Open;
        }
        var waitReason = PausedFor(row);
        if (row.PauseUntilUtc > now)
        {
            rate.PausedUntil(row.PauseUntilUtc!.Value);
            return new GateDecision(waitReason, row.PauseUntilUtc);
        }
        if (row.ProbeLeaseUntilUtc is { } lease && lease > now)
        {
            return new GateDecision(waitReason, lease < now + ProbeRecheck ? lease : now + ProbeRecheck);
        }

        // The interval is over: this job probes, if it is the first to claim the probe.
        var claimed = await UpdateAsync(current =>
        {
            if (current is not { PauseActive: true } || current.PauseUntilUtc > now || current.ProbeLeaseUntilUtc > now)
            {
                return null;
            }
            current.ProbeLeaseUntilUtc = now + ProbeLease;
            return current;
        }, cancellationToken);
        if (claimed is null)
        {
            return new GateDecision(waitReason, now + ProbeRecheck);
        }
        return await ProbeAsync(cancellationToken);
    }

    /// <summary>
    /// An operator's "credits are back": the pause's probe, run now instead of at the interval's end. The
    /// pause ends if the balance allows a call; if not, it goes on as after any probe. Returns the
    /// control row as the probe left it (null when the account was never paused).
    /// </summary>
    public async Task<(bool WasPaused, GateDecision Decision, ApiControlEntity? Row)> ProbeNowAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var claimed = await UpdateAsync(current =>
        {
            if (current is not { PauseActive: true })
            {
                return null;
            }
            current.ProbeLeaseUntilUtc = now + ProbeLease;
            return current;
        }, cancellationToken);
        if (claimed is null)
        {
            return (false, GateDecision.Open, await state.ReadControlAsync(cancellationToken));
        }
        // An operator's check is an extra one: it ends the pause or leaves its schedule as it was, never longer.
        var decision = await ProbeAsync(cancellationToken, byOperator: true);
        return (true, decision, await state.ReadControlAsync(cancellationToken));
    }

    /// <summary>What the jobs wait for while the account's pause is on: credits, or a key the API accepts.</summary>
    private static string PausedFor(ApiControlEntity row) =>
        row.PauseReason == WaitReason.InvalidApiKey ? WaitReason.InvalidApiKey : WaitReason.SharedPause;

    /// <summary>
    /// A job's call was refused for the key (401/403): the whole account stops calling. The pause is checked
    /// like an out-of-credits one, with the free balance endpoint, so a key that works again resumes by itself;
    /// a new key is a new account and starts clean. Returns when the next check is due.
    /// </summary>
    public Task<DateTimeOffset> OnKeyRejectedAsync(string detail, CancellationToken cancellationToken) =>
        StartPauseAsync(WaitReason.InvalidApiKey, detail, cancellationToken);

    /// <summary>A job saw 402: start the shared pause unless one is on. Returns when the pause ends.</summary>
    public Task<DateTimeOffset> OnOutOfCreditsAsync(CancellationToken cancellationToken) =>
        StartPauseAsync(WaitReason.OutOfCredits, "HTTP 402", cancellationToken);

    private async Task<DateTimeOffset> StartPauseAsync(string reason, string detail, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        DateTimeOffset until = now;
        var started = await UpdateAsync(current =>
        {
            if (current is { PauseActive: true })
            {
                until = current.PauseUntilUtc!.Value;
                // A rejected key outranks an empty account: with it, nothing could be bought anyway.
                if (reason == WaitReason.InvalidApiKey && current.PauseReason != reason)
                {
                    current.PauseReason = reason;
                    current.PauseDetail = detail;
                    return current;
                }
                return null;
            }
            var row = current ?? new ApiControlEntity();
            // A pause that ended recently and comes straight back grows; otherwise start small again.
            var previous = row.PauseIntervalSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            var interval = previous is { } p && row.PauseEndedAtUtc is { } ended && now - ended < p * 2
                ? Grow(p)
                : _backoff.CreditsInitialDelay;
            row.PauseReason = reason;
            row.PauseDetail = detail;
            row.PauseStartedAtUtc = now;
            row.PauseUntilUtc = until = now + interval;
            row.PauseIntervalSeconds = interval.TotalSeconds;
            row.PauseEndedAtUtc = null;
            row.ProbeLeaseUntilUtc = null;
            return row;
        }, cancellationToken);
        if (started is not null)
        {
            LogPauseStarted(logger, reason, detail, started.PauseIntervalSeconds!.Value, until);
        }
        // The calls of this instance that already passed the gate and wait for their turn are withheld too.
        rate.PausedUntil(until);
        return until;
    }

    /// <summary>
    /// A job saw 429: nobody calls before now + the API's Retry-After (or <see cref="BackoffOptions.RateLimitPause"/>
    /// without one), and the lowered request rate is stored for every instance. Returns the "not before" time.
    /// </summary>
    public async Task<DateTimeOffset> OnRateLimitedAsync(TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var target = now + (retryAfter ?? _backoff.RateLimitPause);
        rate.HoldUntil(target);
        var storeRate = rate.ShouldStore(decreased: true, out var perSecond);
        DateTimeOffset until = target;
        var written = await UpdateAsync(current =>
        {
            var row = current ?? new ApiControlEntity();
            if (row.NotBeforeUtc is { } existing && existing >= target)
            {
                until = existing;
            }
            else
            {
                row.NotBeforeUtc = until = target;
            }
            if (storeRate)
            {
                row.RequestRatePerSecond = perSecond;
                row.RequestRateChangedAtUtc = now;
            }
            return row;
        }, cancellationToken);
        if (written is not null)
        {
            LogRateLimited(logger, (until - now).TotalSeconds, until, perSecond);
        }
        return until;
    }

    /// <summary>Shares a request rate this instance raised, at most every 10 s, so that the others climb too.</summary>
    public async Task ShareRateIfDueAsync(CancellationToken cancellationToken)
    {
        if (!rate.ShouldStore(decreased: false, out var perSecond))
        {
            return;
        }
        var now = time.GetUtcNow();
        await UpdateAsync(current =>
        {
            var row = current ?? new ApiControlEntity();
            row.RequestRatePerSecond = perSecond;
            row.RequestRateChangedAtUtc = now;
            return row;
        }, cancellationToken);
    }

    /// <param name="byOperator">A resume: when the pause goes on, its next check and interval stay as they were.</param>
    private async Task<GateDecision> ProbeAsync(CancellationToken cancellationToken, bool byOperator = false)
    {
        var balance = await api.GetBalanceAsync(cancellationToken);
        var now = time.GetUtcNow();
        if (balance is BalanceKnown { UnitsLeft: >= CreditLedger.CreditsPerCall } known)
        {
            var ended = await UpdateAsync(current =>
            {
                if (current is not { PauseActive: true })
                {
                    return null;
                }
                current.PauseEndedAtUtc = now;
                current.ProbeLeaseUntilUtc = null;
                current.BalanceUnits = known.UnitsLeft;
                current.BalanceCheckedAtUtc = now;
                return current;
            }, cancellationToken);
            if (ended is not null)
            {
                LogPauseEnded(logger, known.UnitsLeft, now - ended.PauseStartedAtUtc!.Value);
            }
            rate.PausedUntil(DateTimeOffset.MinValue);
            return GateDecision.Open;
        }

        if (balance is BalanceInvalidApiKey badKey)
        {
            LogBadKey(logger, badKey.Detail);
        }
        DateTimeOffset until = now;
        var reason = WaitReason.SharedPause;
        await UpdateAsync(current =>
        {
            if (current is not { PauseActive: true })
            {
                return null;
            }
            // The balance says what the account waits for now: a key the API accepts, or credits.
            (current.PauseReason, current.PauseDetail) = balance switch
            {
                BalanceInvalidApiKey rejected => (WaitReason.InvalidApiKey, rejected.Detail),
                BalanceKnown => (WaitReason.OutOfCredits, "no credits left"),
                _ => (current.PauseReason, current.PauseDetail),
            };
            reason = PausedFor(current);
            if (byOperator && current.PauseUntilUtc > now)
            {
                until = current.PauseUntilUtc.Value;
            }
            else
            {
                var interval = TimeSpan.FromSeconds(current.PauseIntervalSeconds ?? _backoff.CreditsInitialDelay.TotalSeconds);
                interval = byOperator ? interval : Grow(interval);
                current.PauseUntilUtc = until = now + interval;
                current.PauseIntervalSeconds = interval.TotalSeconds;
            }
            current.ProbeLeaseUntilUtc = null;
            if (balance is BalanceKnown stillOut)
            {
                current.BalanceUnits = stillOut.UnitsLeft;
                current.BalanceCheckedAtUtc = now;
            }
            return current;
        }, cancellationToken);
        return new GateDecision(reason, until);
    }

    private TimeSpan Grow(TimeSpan interval) =>
        interval * 2 > _backoff.CreditsMaxDelay ? _backoff.CreditsMaxDelay : interval * 2;

    private async Task<ApiControlEntity?> UpdateAsync(Func<ApiControlEntity?, ApiControlEntity?> decide, CancellationToken cancellationToken)
    {
        try
        {
            return await OptimisticUpdate.UpdateAsync(storage.ControlTable, state.Partition, ApiControlEntity.Row, decide, cancellationToken);
        }
        finally
        {
            // This instance's own changes to the gates count at once, not after the cache's age.
            state.Invalidate();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Paused ({Reason}, {Detail}): the whole app stops calling for {IntervalSeconds:0} s, until {Until:u}, then checks the balance")]
    private static partial void LogPauseStarted(ILogger logger, string reason, string detail, double intervalSeconds, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Information, Message = "Credits are back ({Units} left): the pause ended after {Duration}")]
    private static partial void LogPauseEnded(ILogger logger, long units, TimeSpan duration);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rate limited: no call before {Until:u} ({DelaySeconds:0.#} s), app-wide; request rate now {PerSecond:0.##}/s")]
    private static partial void LogRateLimited(ILogger logger, double delaySeconds, DateTimeOffset until, double perSecond);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration error: the balance endpoint refused the API key ({Detail})")]
    private static partial void LogBadKey(ILogger logger, string detail);
}
