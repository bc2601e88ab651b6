namespace Backlinks.Worker;

/// <summary>What a worker run has done so far; safe to read while the run goes on.</summary>
public sealed class WorkerTally
{
    /// <summary>The API's price of one backlinks call.</summary>
    public const int CreditsPerCall = 3;

    private int _succeeded;
    private int _waiting;
    private int _failed;
    private int _retried;
    private int _skipped;

    public int Succeeded => Volatile.Read(ref _succeeded);

    /// <summary>Jobs sent back to the queue with a delay (429, 402).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Deliveries that hit a transient failure and were left for another try.</summary>
    public int Retried => Volatile.Read(ref _retried);

    /// <summary>Messages with nothing to do: already finished, stale, unknown or unreadable.</summary>
    public int Skipped => Volatile.Read(ref _skipped);

    /// <summary>Credits of the successful calls (3 each); refused calls are not counted.</summary>
    public int CreditsSpent => Succeeded * CreditsPerCall;

    internal void AddSucceeded() => Interlocked.Increment(ref _succeeded);

    internal void AddWaiting() => Interlocked.Increment(ref _waiting);

    internal void AddFailed() => Interlocked.Increment(ref _failed);

    internal void AddRetried() => Interlocked.Increment(ref _retried);

    internal void AddSkipped() => Interlocked.Increment(ref _skipped);
}
