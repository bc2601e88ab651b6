using System.Collections.Concurrent;
using Backlinks.Jobs;
using Backlinks.Storage;
using Backlinks.Submissions;
using Backlinks.Throttling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backlinks.Watching;

/// <summary>What one run of the watch list did.</summary>
/// <param name="Queued">Due entries whose job is queued.</param>
/// <param name="NotDue">Enabled entries not due yet.</param>
/// <param name="HeldBack">Due entries left due because the credits left today do not cover them (3 per entry).</param>
/// <param name="Disabled">Entries switched off.</param>
/// <param name="ClaimedElsewhere">Due entries another run (or an edit) changed first: that run queues them.</param>
/// <param name="NotQueued">Claimed entries whose job could not be queued (storage failed): they stay due.</param>
public sealed record WatchRunResult(int Queued, int NotDue, int HeldBack, int Disabled, int ClaimedElsewhere, int NotQueued,
    IReadOnlyList<WatchRunResult.QueuedJob> Jobs, string? Error)
{
    public sealed record QueuedJob(string Domain, string JobId, DateTimeOffset VisibleAtUtc);
}

/// <summary>
/// Queues a job for each due entry of the watch list: what <c>RefreshWatchList</c> does on its schedule and
/// <c>backlinks watch run</c> does now. Each entry is claimed with a conditional write (its next due time
/// moves on) before its message is sent, so concurrent runs queue it once; the jobs then go through the
/// same submission path as <c>POST /api/lookups</c> (and the worker's cache window), spread over the period.
/// </summary>
public sealed partial class WatchListRefresher(
    WatchListStore store,
    SubmissionService submissions,
    CreditLedger ledger,
    IOptions<WatchListOptions> options,
    TimeProvider time,
    ILogger<WatchListRefresher> logger)
{
    private const int MaxParallelClaims = 16;

    public async Task<WatchRunResult> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var entries = await store.ListAsync(null, cancellationToken);
        var plan = await PlanAsync(entries, now, cancellationToken);

        var claims = await ClaimAsync(plan.ToQueue, now, cancellationToken);
        var spread = options.Value.SpreadOver;
        var scheduled = claims.Claimed
            .OrderBy(c => c.Read.NextDueUtc).ThenBy(c => c.Read.Domain, StringComparer.Ordinal)
            .Select((c, i) => (Claim: c, Delay: claims.Claimed.Count <= 1 ? TimeSpan.Zero : spread * i / claims.Claimed.Count))
            .ToList();
        var outcome = await submissions.EnqueueAsync(scheduled.Select(s => new ScheduledJob(s.Claim.Job, s.Delay)).ToList(), cancellationToken);

        // A claim whose message did not go out would skip a whole period: put its schedule back.
        var notQueued = outcome.NotQueued.Select(j => j.JobId).ToHashSet(StringComparer.Ordinal);
        foreach (var (claim, _) in scheduled.Where(s => notQueued.Contains(s.Claim.Job.JobId)))
        {
            try
            {
                await store.UndoClaimAsync(claim.Read, claim.Written, CancellationToken.None);
            }
            catch (Exception e) when (StorageFaults.IsTransient(e))
            {
                LogUndoFailed(logger, claim.Read.Domain, e.Message);
            }
        }

        var jobs = scheduled.Where(s => !notQueued.Contains(s.Claim.Job.JobId))
            .Select(s => new WatchRunResult.QueuedJob(s.Claim.Read.Domain, s.Claim.Job.JobId, now + s.Delay))
            .ToList();
        var result = new WatchRunResult(jobs.Count, plan.NotDue, plan.HeldBack, plan.Disabled,
            plan.ToQueue.Count - claims.Claimed.Count - claims.Failed, notQueued.Count + claims.Failed, jobs, claims.Error ?? outcome.Error);
        LogRun(logger, result.Queued, result.NotDue, result.HeldBack, result.ClaimedElsewhere, result.NotQueued);
        return result;
    }

    /// <summary>The due entries this run may queue (oldest due first, within the credits left today) and the counts of the others.</summary>
    public async Task<WatchPlan> PlanAsync(IReadOnlyList<WatchEntryEntity> entries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = entries.Where(e => e.IsDue(now))
            .OrderBy(e => e.NextDueUtc).ThenBy(e => e.Domain, StringComparer.Ordinal)
            .ToList();
        var spent = ledger.DailyBudget > 0 && due.Count > 0 ? await ledger.SpentAsync(now, cancellationToken) : 0;
        var allowed = WatchBudget.Allowed(due.Count, ledger.DailyBudget, spent);
        return new WatchPlan(due.Take(allowed).ToList(), due.Count - allowed,
            entries.Count(e => e.Enabled && !e.IsDue(now)), entries.Count(e => !e.Enabled));
    }

    private async Task<(IReadOnlyList<Claim> Claimed, int Failed, string? Error)> ClaimAsync(
        IReadOnlyList<WatchEntryEntity> due, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var claimed = new ConcurrentBag<Claim>();
        string? error = null;
        var failed = 0;
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = MaxParallelClaims }, async (entry, _) =>
        {
            if (error is not null || cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref failed);
                return;
            }
            var id = JobId.New(now);
            var written = entry.MarkQueued(id.ToString(), now);
            try
            {
                if (await store.TryClaimAsync(entry, written, CancellationToken.None))
                {
                    claimed.Add(new Claim(entry, written, JobEntity.NewQueued(id, entry.Domain, entry.OnePerDomain, force: false, now)));
                }
            }
            catch (Exception e) when (StorageFaults.IsTransient(e))
            {
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref error, $"storage failed: {e.Message}", null);
            }
        });
        return (claimed.ToList(), failed, error);
    }

    private sealed record Claim(WatchEntryEntity Read, WatchEntryEntity Written, JobEntity Job);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch list: {Queued} queued, {NotDue} not due, {HeldBack} held back by the budget, {Elsewhere} claimed by another run, {NotQueued} not queued")]
    private static partial void LogRun(ILogger logger, int queued, int notDue, int heldBack, int elsewhere, int notQueued);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not put back the schedule of {Domain} after its job failed to queue ({Error}); it is due again one interval later")]
    private static partial void LogUndoFailed(ILogger logger, string domain, string error);
}

/// <summary>A run's plan before anything is written.</summary>
public sealed record WatchPlan(IReadOnlyList<WatchEntryEntity> ToQueue, int HeldBack, int NotDue, int Disabled);
