using Backlinks.Cli.Output;
using Backlinks.Jobs;
using Backlinks.Throttling;
using Backlinks.Worker;
using Microsoft.Extensions.Time.Testing;

namespace Backlinks.Tests.Worker;

/// <summary>The work summary counts jobs, not deliveries; the waiting report speaks only when nothing moves.</summary>
public class WorkerTallyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);

    private static JobOutcome Deferred(string job, string reason, DateTimeOffset until) => new(JobOutcomeKind.Deferred, job, reason, until);

    [Fact]
    public void A_job_deferred_twice_then_fetched_counts_once_as_succeeded()
    {
        var tally = new WorkerTally();
        tally.Count(Deferred("a", WaitReason.RateLimited, Now.AddSeconds(5)));
        tally.Count(Deferred("a", WaitReason.SharedRateLimit, Now.AddSeconds(9)));
        tally.CountRetry("a", Now.AddSeconds(10));
        tally.CountRetry("a", Now.AddSeconds(11));
        tally.Count(new JobOutcome(JobOutcomeKind.Succeeded, "a", "fetched") { PaidCall = true });
        tally.Count(new JobOutcome(JobOutcomeKind.Skipped, "a", "already succeeded"));

        Assert.Equal(1, tally.Succeeded);
        Assert.Equal(0, tally.Waiting);
        Assert.Equal(1, tally.Retried);
        Assert.Equal(0, tally.Skipped);
        Assert.Equal(3, tally.CreditsSpent);
        Assert.Empty(tally.WaitingByReason());
    }

    [Fact]
    public void Waiting_jobs_are_grouped_by_reason_with_the_earliest_due_time()
    {
        var tally = new WorkerTally();
        tally.Count(Deferred("a", WaitReason.SharedPause, Now.AddMinutes(15)));
        tally.Count(Deferred("b", WaitReason.SharedPause, Now.AddMinutes(14)));
        tally.Count(Deferred("c", WaitReason.Budget, Now.AddHours(21)));
        tally.Count(new JobOutcome(JobOutcomeKind.Failed, "d", "400"));
        tally.Count(new JobOutcome(JobOutcomeKind.Skipped, null, "unreadable"));

        Assert.Equal(3, tally.Waiting);
        Assert.Equal(1, tally.Failed);
        Assert.Equal(1, tally.Skipped);
        Assert.Equal(
            [new WaitingJobs(WaitReason.SharedPause, 2, Now.AddMinutes(14)), new WaitingJobs(WaitReason.Budget, 1, Now.AddHours(21))],
            tally.WaitingByReason());
        Assert.Equal(Now.AddMinutes(14), tally.NextDueAfter(Now));
        Assert.Equal(Now.AddHours(21), tally.NextDueAfter(Now.AddMinutes(15)));
    }

    [Fact]
    public void A_job_sent_back_again_is_no_longer_a_first_wait()
    {
        var tally = new WorkerTally();
        tally.Count(Deferred("a", WaitReason.RateLimited, Now.AddSeconds(2)));
        tally.Count(Deferred("b", WaitReason.RateLimited, Now.AddSeconds(3)));
        Assert.Equal(Now.AddSeconds(2), tally.NextFirstWaitDueAfter(Now));

        tally.Count(Deferred("a", WaitReason.RateLimited, Now.AddSeconds(4)));

        Assert.Equal(Now.AddSeconds(3), tally.NextFirstWaitDueAfter(Now));
        Assert.Equal(Now.AddSeconds(3), tally.NextDueAfter(Now));
        tally.Count(Deferred("b", WaitReason.RateLimited, Now.AddSeconds(5)));
        Assert.Null(tally.NextFirstWaitDueAfter(Now));
        Assert.Equal(Now.AddSeconds(4), tally.NextDueAfter(Now));
    }

    [Fact]
    public void Jobs_retried_after_a_transient_failure_wait_as_retrying_until_their_next_outcome()
    {
        var tally = new WorkerTally();
        tally.Count(Deferred("a", WaitReason.RateLimited, Now.AddMinutes(2)));
        tally.CountRetry("b", Now.AddSeconds(30));
        tally.CountRetry("c", Now.AddSeconds(10));
        tally.CountRetry("c", Now.AddSeconds(20));
        tally.CountRetry("d", Now.AddSeconds(5));
        tally.Count(new JobOutcome(JobOutcomeKind.Succeeded, "d", "fetched"));

        Assert.Equal(
            [new WaitingJobs(WorkerTally.Retrying, 2, Now.AddSeconds(20)), new WaitingJobs(WaitReason.RateLimited, 1, Now.AddMinutes(2))],
            tally.WaitingByReason());
        // The earliest due of all, not the last retry's.
        Assert.Equal(Now.AddSeconds(20), tally.NextDueAfter(Now));
        Assert.Equal("waiting: 2 jobs: 2 retried after a transient failure (retrying) until 2026-12-01 03:00:20Z. Ctrl-C stops; the jobs stay queued.",
            WaitingReporter.Describe([tally.WaitingByReason()[0]], 2, WaitingReporter.Interval));

        // A deferred job whose next delivery failed is counted once, among the waiting.
        tally.CountRetry("a", Now.AddSeconds(1));
        Assert.Equal(3, tally.WaitingByReason().Sum(w => w.Jobs));
        Assert.Equal(1, tally.Waiting);
    }

    [Fact]
    public void The_description_says_how_many_wait_for_what_until_when()
    {
        var line = WaitingReporter.Describe(
            [new WaitingJobs(WaitReason.SharedPause, 2, Now.AddMinutes(14)), new WaitingJobs(WaitReason.Budget, 1, null)], 3, WaitingReporter.Interval);

        Assert.Equal("waiting: 3 jobs: 2 out of credits (shared_pause) until 2026-12-01 03:14:00Z; 1 daily budget spent (budget). Ctrl-C stops; the jobs stay queued.", line);
        Assert.Equal("waiting: no job could run in the last 30 s; the queue holds 4 messages, delayed or in other hands.", WaitingReporter.Describe([], 4, WaitingReporter.Interval));
    }

    [Fact]
    public async Task The_reporter_speaks_every_30_s_in_which_no_job_finished_and_stays_quiet_otherwise()
    {
        var time = new FakeTimeProvider(Now);
        var tally = new WorkerTally();
        tally.Count(Deferred("a", WaitReason.SharedPause, Now.AddMinutes(15)));
        var lines = new List<string>();
        var work = new TaskCompletionSource();
        var reporter = new WaitingReporter(tally, time, _ => Task.FromResult<int?>(1), lines.Add);
        var reporting = reporter.RunAsync(work.Task);

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, reporter.Ticks);

        time.Advance(TimeSpan.FromSeconds(1));
        await WaitForAsync(() => reporter.Ticks == 1);
        Assert.StartsWith("waiting: 1 job: 1 out of credits (shared_pause) until 2026-12-01 03:15:00Z", Assert.Single(lines));

        // A job finished in this interval: nothing to report.
        tally.Count(new JobOutcome(JobOutcomeKind.Succeeded, "b", "fetched"));
        time.Advance(TimeSpan.FromSeconds(30));
        await WaitForAsync(() => reporter.Ticks == 2);
        Assert.Single(lines);

        // Then nothing moves for another 30 s: it speaks again.
        time.Advance(TimeSpan.FromSeconds(30));
        await WaitForAsync(() => reporter.Ticks == 3);

        work.SetResult();
        await reporting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, lines.Count);
    }

    /// <summary>Lets the reporter's continuation run after a fake-clock tick; bounded, so a broken reporter fails rather than hangs.</summary>
    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(5);
        }
        Assert.True(condition());
    }
}
