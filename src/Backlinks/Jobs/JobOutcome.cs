namespace Backlinks.Jobs;

/// <summary>What processing one queue message came to.</summary>
public enum JobOutcomeKind
{
    /// <summary>Fetched and stored.</summary>
    Succeeded,

    /// <summary>Sent back to the queue with a delay (429, 402); this message is done.</summary>
    Deferred,

    /// <summary>Failed for good (400, 401, waited too long); this message is done.</summary>
    Failed,

    /// <summary>Nothing to do: already finished, stale, unknown or unreadable; this message is done.</summary>
    Skipped,

    /// <summary>A transient failure after the in-process retries: the message must be retried by the queue.</summary>
    RetryMessage,

    /// <summary>The message arrived before its job row recorded it: retry it shortly; it is not a failure.</summary>
    AheadOfRow,
}

public sealed record JobOutcome(JobOutcomeKind Kind, string? JobId, string Detail, DateTimeOffset? NextAttemptAtUtc = null)
{
    /// <summary>True when this outcome paid for an API answer (a fetch, not a snapshot served from storage).</summary>
    public bool PaidCall { get; init; }

    public override string ToString() => $"{Kind} {JobId}: {Detail}";
}

/// <summary>Thrown by the queue functions so that the host retries the message (and poisons it after maxDequeueCount).</summary>
public sealed class JobRetryException(string jobId, string reason)
    : Exception($"Job {jobId} hit a transient failure and will be retried by the queue: {reason}");
