using Backlinks.Jobs;
using Backlinks.Throttling;

namespace Backlinks.Worker;

/// <summary>
/// What a worker run has done so far, counted in jobs, not in deliveries: a job deferred three times and
/// then fetched counts once, as succeeded. Safe to read while the run goes on.
/// </summary>
public sealed class WorkerTally
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, JobProgress> _jobs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _retried = new(StringComparer.Ordinal);
    // Jobs whose message went round again and that have had no outcome since, with when it is due ("" for a message without a readable job id).
    private readonly Dictionary<string, DateTimeOffset> _retrying = new(StringComparer.Ordinal);
    private int _succeeded;
    private int _failed;
    private int _waiting;
    private int _skipped;
    private int _paidCalls;
    private int _keyRejected;
    private Action? _keyRejectedHandler;
    private int _cancelled;

    /// <summary>Jobs fetched and stored, or served from a stored snapshot.</summary>
    public int Succeeded => Volatile.Read(ref _succeeded);

    /// <summary>Jobs whose latest outcome sent them back to the queue with a delay (429, 402, the budget, a shared call).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Jobs that needed another delivery at least once (a transient failure, or a message ahead of its row).</summary>
    public int Retried
    {
        get
        {
            lock (_lock)
            {
                return _retried.Count;
            }
        }
    }

    /// <summary>Messages with nothing to do for a job this run has not seen: already finished, stale, unknown or unreadable.</summary>
    public int Skipped => Volatile.Read(ref _skipped);

    /// <summary>Jobs an operator cancelled whose message came by: dropped without a call.</summary>
    public int Cancelled => Volatile.Read(ref _cancelled);

    /// <summary>Credits of the calls that returned an answer (3 each), malformed ones included; refused calls and jobs served from a snapshot cost nothing.</summary>
    public int CreditsSpent => Volatile.Read(ref _paidCalls) * CreditLedger.CreditsPerCall;

    /// <summary>
    /// Set when a run until empty ended with messages still delayed that no open job needs: those of cancelled or
    /// finished jobs, each dropped without a call when it comes. Zero otherwise.
    /// </summary>
    public int StaleMessagesLeft { get; internal set; }

    /// <summary>True once a job found the account's API key rejected: no job can run until it is fixed.</summary>
    public bool KeyRejected => Volatile.Read(ref _keyRejected) == 1;

    /// <summary>The <see cref="WaitingJobs.Reason"/> of jobs whose message went round again after a transient failure (or ahead of its row).</summary>
    public const string Retrying = "retrying";

    /// <summary>The jobs waiting now, by reason (<see cref="Retrying"/> for those retried), with the earliest time one of them is due again.</summary>
    public IReadOnlyList<WaitingJobs> WaitingByReason()
    {
        lock (_lock)
        {
            var deferred = _jobs.Values
                .Where(j => j.State == JobOutcomeKind.Deferred)
                .Select(j => (Reason: j.Reason ?? "unknown", j.Until));
            // A job deferred before its retry is counted once, among the waiting, as the summary counts it.
            var retrying = _retrying
                .Where(r => !(_jobs.TryGetValue(r.Key, out var job) && job.State == JobOutcomeKind.Deferred))
                .Select(r => (Reason: Retrying, Until: (DateTimeOffset?)r.Value));
            return deferred.Concat(retrying)
                .GroupBy(j => j.Reason, StringComparer.Ordinal)
                .Select(g => new WaitingJobs(g.Key, g.Count(), g.Min(j => j.Until)))
                .OrderBy(w => w.NextDueUtc ?? DateTimeOffset.MaxValue)
                .ToList();
        }
    }

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

    /// <summary>Records a job's outcome as its latest state.</summary>
    internal void Count(JobOutcome outcome)
    {
        if (outcome is { Kind: JobOutcomeKind.Deferred, Detail: WaitReason.InvalidApiKey })
        {
            MarkKeyRejected();
        }
        if (outcome.PaidCall)
        {
            // A paid answer that failed the job (malformed) still cost its credits.
            Interlocked.Increment(ref _paidCalls);
        }
        if (outcome.JobId is not { } jobId)
        {
            Interlocked.Increment(ref _skipped);
            return;
        }

        lock (_lock)
        {
            var known = _jobs.TryGetValue(jobId, out var before);
            if (outcome.Kind is JobOutcomeKind.Skipped or JobOutcomeKind.RetryMessage or JobOutcomeKind.AheadOfRow)
            {
                // Nothing happened to the job itself: a duplicate delivery of a job seen here changes nothing.
                if (!known && outcome.Kind == JobOutcomeKind.Skipped)
                {
                    Interlocked.Increment(ref _skipped);
                }
                return;
            }
            _retrying.Remove(jobId);
            if (known)
            {
                Adjust(before!.State, -1);
            }
            var deferrals = (known ? before!.Deferrals : 0) + (outcome.Kind == JobOutcomeKind.Deferred ? 1 : 0);
            _jobs[jobId] = new JobProgress(outcome.Kind, outcome.Kind == JobOutcomeKind.Deferred ? outcome.Detail : null, outcome.NextAttemptAtUtc, deferrals);
            Adjust(outcome.Kind, +1);
        }
    }

    /// <summary>Records that a job's message goes round again (a transient failure, or ahead of its row), due at <paramref name="dueAt"/>.</summary>
    internal void CountRetry(string? jobId, DateTimeOffset dueAt)
    {
        lock (_lock)
        {
            if (jobId is not null)
            {
                _retried.Add(jobId);
            }
            var key = jobId ?? "";
            _retrying[key] = _retrying.TryGetValue(key, out var other) && other > dueAt ? other : dueAt;
        }
    }

    /// <summary>The earliest time after <paramref name="after"/> that a job this run sent back is due again; null when none is known.</summary>
    public DateTimeOffset? NextDueAfter(DateTimeOffset after) => NextDueAfter(after, firstWaitsOnly: false);

    /// <summary>
    /// As <see cref="NextDueAfter(DateTimeOffset)"/>, but only of jobs this run sent back once: one sent back again has
    /// been waited for already and met the same wait (an API that answers 429 with a short Retry-After on every call).
    /// </summary>
    public DateTimeOffset? NextFirstWaitDueAfter(DateTimeOffset after) => NextDueAfter(after, firstWaitsOnly: true);

    private DateTimeOffset? NextDueAfter(DateTimeOffset after, bool firstWaitsOnly)
    {
        lock (_lock)
        {
            var waits = _jobs.Values
                .Where(j => j.State == JobOutcomeKind.Deferred && j.Until is not null && (!firstWaitsOnly || j.Deferrals == 1))
                .Select(j => j.Until!.Value);
            return waits.Concat(_retrying.Values).Where(t => t > after).Cast<DateTimeOffset?>().Min();
        }
    }

    private void Adjust(JobOutcomeKind state, int by)
    {
        switch (state)
        {
            case JobOutcomeKind.Succeeded:
                _succeeded += by;
                break;
            case JobOutcomeKind.Failed:
                _failed += by;
                break;
            case JobOutcomeKind.Deferred:
                _waiting += by;
                break;
            case JobOutcomeKind.Cancelled:
                _cancelled += by;
                break;
        }
    }

    /// <param name="Deferrals">How many times this run sent the job back with a delay.</param>
    private sealed record JobProgress(JobOutcomeKind State, string? Reason, DateTimeOffset? Until, int Deferrals);

    private sealed class Forget(Action forget) : IDisposable
    {
        public void Dispose() => forget();
    }
}

/// <summary>How many jobs wait for one reason, and when the first of them is due again.</summary>
public sealed record WaitingJobs(string Reason, int Jobs, DateTimeOffset? NextDueUtc);
