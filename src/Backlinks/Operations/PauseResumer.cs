using System.Text.Json.Serialization;
using Backlinks.Throttling;

namespace Backlinks.Operations;

/// <summary>What <c>resume</c> found.</summary>
[JsonConverter(typeof(CamelCaseEnumConverter<ResumeOutcome>))]
public enum ResumeOutcome
{
    /// <summary>No pause was on: nothing to do.</summary>
    NotPaused,

    /// <summary>The balance allows calls again: the pause is over.</summary>
    Resumed,

    /// <summary>The balance (or the key) still does not allow a call: the pause goes on.</summary>
    StillPaused,
}

/// <summary>
/// The probe's verdict: the balance it read (null when it could not), when the pause is checked next if it goes on,
/// and how many jobs that waited for a pause or a key were queued again at once.
/// </summary>
public sealed record ResumeResult(ResumeOutcome Outcome, string Message, long? BalanceUnits, string? PauseReason, DateTimeOffset? NextProbeAtUtc,
    int JobsReleased = 0);

/// <summary>
/// Ends the account's pause after a top-up without waiting for the pause's own probe: runs that probe now
/// (<see cref="ApiGate.ProbeNowAsync"/>, the free balance endpoint) and says what it found. When calls are
/// allowed, the jobs that waited for a pause or for a working key are queued again at once, rather than
/// left waiting for their delayed messages (up to hours after a top-up; a new key is a new account, whose
/// state has no pause at all).
/// </summary>
public sealed class PauseResumer(ApiGate gate, JobOperations operations, TimeProvider time)
{
    /// <summary>The waits that end with the pause or the key: not a 429's, the budget's or a shared call's.</summary>
    public static readonly IReadOnlyCollection<string> ReleasedReasons = [WaitReason.OutOfCredits, WaitReason.SharedPause, WaitReason.InvalidApiKey];

    public async Task<ResumeResult> ResumeAsync(CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var (wasPaused, decision, row) = await gate.ProbeNowAsync(cancellationToken);
        // The balance this probe read; an older one is only a hint.
        long? balance = row?.BalanceCheckedAtUtc >= startedAt ? row.BalanceUnits : null;
        if (!wasPaused || decision.MayCall)
        {
            var released = await operations.ReleaseWaitingAsync(ReleasedReasons, startedAt - JobListQuery.OpenJobsWithin, cancellationToken);
            var jobs = released switch
            {
                0 => "no job was waiting for it",
                1 => "1 waiting job was queued again and runs now",
                _ => $"{released} waiting jobs were queued again and run now",
            };
            return wasPaused
                ? new ResumeResult(ResumeOutcome.Resumed,
                    $"the balance is {balance?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "enough"} credits: the pause is over; {jobs}.",
                    balance, null, null, released)
                : new ResumeResult(ResumeOutcome.NotPaused,
                    released == 0 ? "the app is not paused: nothing to resume." : $"the app is not paused; {jobs}.", null, null, null, released);
        }
        var next = decision.Until;
        var message = row?.PauseReason switch
        {
            WaitReason.InvalidApiKey => $"the API key is still rejected ({row.PauseDetail}): set a working DomDetailer__ApiKey. The pause goes on; next check at {next:u}.",
            _ when balance is { } units => $"still out of credits: the balance is {units} credits and a call needs {CreditLedger.CreditsPerCall}. The pause goes on; next check at {next:u}.",
            _ => $"the balance could not be read: the pause goes on; next check at {next:u}.",
        };
        return new ResumeResult(ResumeOutcome.StillPaused, message, balance, row?.PauseReason, next);
    }
}
