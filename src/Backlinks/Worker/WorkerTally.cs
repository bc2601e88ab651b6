namespace Backlinks.Worker;

/// <summary>What a worker run has done so far; safe to read while the run goes on.</summary>
public sealed class WorkerTally
{
    private int _succeeded;
    private int _paidCalls;
    private int _waiting;
    private int _failed;
    private int _retried;
    private int _skipped;
    private int _cancelled;

    public int Succeeded => Volatile.Read(ref _succeeded);

    /// <summary>Jobs sent back to the queue with a delay (429, 402).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Deliveries that hit a transient failure and were left for another try.</summary>
    public int Retried => Volatile.Read(ref _retried);

    /// <summary>Messages with nothing to do: already finished, stale, unknown or unreadable.</summary>
    public int Skipped => Volatile.Read(ref _skipped);

    /// <summary>Messages of jobs an operator cancelled: dropped without a call.</summary>
    public int Cancelled => Volatile.Read(ref _cancelled);

    /// <summary>Credits of the calls that returned an answer (3 each), malformed ones included; refused calls and jobs served from a snapshot cost nothing.</summary>
    public int CreditsSpent => Volatile.Read(ref _paidCalls) * Throttling.CreditLedger.CreditsPerCall;

    /// <summary>Counts a job's outcome under its kind.</summary>
    /// <summary>True once a job found the account's API key rejected: no job can run until it is fixed.</summary>
    public bool KeyRejected => Volatile.Read(ref _keyRejected) == 1;

    private int _keyRejected;
    private Action? _keyRejectedHandler;

    /// <summary>Calls <paramref name="handler"/> when the key is found rejected; disposing the result forgets it.</summary>
    internal IDisposable OnKeyRejected(Action handler)
    {
        _keyRejectedHandler = handler;
        if (KeyRejected)
        {
            handler();
        }
        return new Forget(() => _keyRejectedHandler = null);
    }

    internal void MarkKeyRejected()
    {
        if (Interlocked.Exchange(ref _keyRejected, 1) == 0)
        {
            _keyRejectedHandler?.Invoke();
        }
    }

    internal void Count(Jobs.JobOutcome outcome)
    {
        if (outcome is { Kind: Jobs.JobOutcomeKind.Deferred, Detail: Throttling.WaitReason.InvalidApiKey })
        {
            MarkKeyRejected();
        }
        if (outcome.PaidCall && outcome.Kind != Jobs.JobOutcomeKind.Succeeded)
        {
            // A paid answer that failed the job (malformed) still cost its credits.
            Interlocked.Increment(ref _paidCalls);
        }
        switch (outcome.Kind)
        {
            case Jobs.JobOutcomeKind.Succeeded:
                AddSucceeded(outcome.PaidCall);
                break;
            case Jobs.JobOutcomeKind.Deferred:
                AddWaiting();
                break;
            case Jobs.JobOutcomeKind.Failed:
                AddFailed();
                break;
            case Jobs.JobOutcomeKind.Cancelled:
                Interlocked.Increment(ref _cancelled);
                break;
            default:
                AddSkipped();
                break;
        }
    }

    internal void AddSucceeded(bool paidCall)
    {
        Interlocked.Increment(ref _succeeded);
        if (paidCall)
        {
            Interlocked.Increment(ref _paidCalls);
        }
    }

    internal void AddWaiting() => Interlocked.Increment(ref _waiting);

    internal void AddFailed() => Interlocked.Increment(ref _failed);

    internal void AddRetried() => Interlocked.Increment(ref _retried);

    internal void AddSkipped() => Interlocked.Increment(ref _skipped);

    private sealed class Forget(Action forget) : IDisposable
    {
        public void Dispose() => forget();
    }
}
