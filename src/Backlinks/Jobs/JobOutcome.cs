namespace Backlinks.Jobs;

/// <summary>What processing one queue message came to.</summary>
public enum JobOutcomeKind
{
    /// <summary>Fetched and stored, or served from a stored snapshot.</summary>
    Succeeded,

    /// <summary>Sent back to the queue with a delay (429, 402, a gate); this message is done.</summary>
    Deferred,

    /// <summary>Failed for good (400, 401, waited too long); this message is done.</summary>
    Failed,

    /// <summary>Nothing to do: already finished, stale or unreadable; this message is done.</summary>
    Skipped,

    /// <summary>A transient failure (API or storage): the queue retries the message, and poisons it after its delivery limit.</summary>
    RetryMessage,

    /// <summary>The message arrived before its job row recorded it: look again shortly; it is not a failure.</summary>
    AheadOfRow,

    /// <summary>The job was cancelled by an operator: its message is dropped without a call; this message is done.</summary>
    Cancelled,
}

public sealed record JobOutcome(JobOutcomeKind Kind, string? JobId, string Detail, DateTimeOffset? NextAttemptAtUtc = null)
{
    /// <summary>True when this outcome paid for an API answer (a fetch, not a snapshot served from storage).</summary>
    public bool PaidCall { get; init; }

    public override string ToString() => $"{Kind} {JobId}: {Detail}";
}
