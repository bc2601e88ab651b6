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

/// <summary>The probe's verdict: the balance it read (null when it could not), and when the pause is checked next if it goes on.</summary>
public sealed record ResumeResult(ResumeOutcome Outcome, string Message, long? BalanceUnits, string? PauseReason, DateTimeOffset? NextProbeAtUtc);

/// <summary>
/// Ends the account's pause after a top-up without waiting for the pause's own probe: runs that probe now
/// (<see cref="ApiGate.ProbeNowAsync"/>, the free balance endpoint) and says what it found.
/// </summary>
public sealed class PauseResumer(ApiGate gate, TimeProvider time)
{
    public async Task<ResumeResult> ResumeAsync(CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var (wasPaused, decision, row) = await gate.ProbeNowAsync(cancellationToken);
        // The balance this probe read; an older one is only a hint.
        long? balance = row?.BalanceCheckedAtUtc >= startedAt ? row.BalanceUnits : null;
        if (!wasPaused)
        {
            return new ResumeResult(ResumeOutcome.NotPaused, "the app is not paused: nothing to resume.", null, null, null);
        }
        if (decision.MayCall)
        {
            return new ResumeResult(ResumeOutcome.Resumed,
                $"the balance is {balance?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "enough"} credits: the pause is over and waiting jobs run when their messages come back.",
                balance, null, null);
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
