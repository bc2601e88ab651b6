using System.Globalization;
using Backlinks.Worker;

namespace Backlinks.Cli.Output;

/// <summary>
/// Keeps a worker that cannot run anything from being silent: every <see cref="Interval"/> in which no job
/// finished, it says what the jobs wait for and until when. For stderr when it is not a terminal (a
/// terminal gets the live line instead).
/// </summary>
internal sealed class WaitingReporter(WorkerTally tally, TimeProvider time, Func<CancellationToken, Task<int?>> queued, Action<string> write)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private int _ticks;

    /// <summary>Intervals looked at so far (the tests wait on it to step the fake clock one tick at a time).</summary>
    internal int Ticks => Volatile.Read(ref _ticks);

    /// <summary>Reports until <paramref name="work"/> ends.</summary>
    public async Task RunAsync(Task work)
    {
        using var timer = new PeriodicTimer(Interval, time);
        var finished = Finished();
        while (await Task.WhenAny(work, timer.WaitForNextTickAsync().AsTask()) != work)
        {
            var now = Finished();
            if (now == finished)
            {
                write(Describe(tally.WaitingByReason(), await QueuedAsync(), Interval));
            }
            finished = now;
            Interlocked.Increment(ref _ticks);
        }
    }

    /// <summary>One line: how many jobs wait, for what, until when.</summary>
    public static string Describe(IReadOnlyList<WaitingJobs> waits, int? queued, TimeSpan quiet)
    {
        if (waits.Count == 0)
        {
            var messages = queued is { } count ? $"the queue holds {Display.Count(count, "message")}, delayed or in other hands" : "the queue could not be read";
            return $"waiting: no job could run in the last {quiet.TotalSeconds:0} s; {messages}.";
        }
        var reasons = waits.Select(w => $"{w.Jobs} {Reason(w.Reason)}{(w.NextDueUtc is { } due ? $" until {Time(due)}" : "")}");
        return $"waiting: {Display.Count(waits.Sum(w => w.Jobs), "job")}: {string.Join("; ", reasons)}. Ctrl-C stops; the jobs stay queued.";
    }

    /// <summary>A wait reason in words, with its code for searching the docs.</summary>
    public static string Reason(string reason) => reason switch
    {
        Throttling.WaitReason.OutOfCredits or Throttling.WaitReason.SharedPause => $"out of credits ({reason})",
        Throttling.WaitReason.RateLimited or Throttling.WaitReason.SharedRateLimit => $"rate limited ({reason})",
        Throttling.WaitReason.Budget => "daily budget spent (budget)",
        Throttling.WaitReason.SharedCall => "waiting for the same domain's call (shared_call)",
        Throttling.WaitReason.InvalidApiKey => "API key rejected (invalid_api_key)",
        Worker.WorkerTally.Retrying => "retried after a transient failure (retrying)",
        _ => Display.Safe(reason),
    };

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private int Finished() => tally.Succeeded + tally.Failed;

    private async Task<int?> QueuedAsync()
    {
        try
        {
            return await queued(CancellationToken.None);
        }
        catch (Exception e) when (Storage.StorageFaults.IsTransient(e))
        {
            return null;
        }
    }
}
