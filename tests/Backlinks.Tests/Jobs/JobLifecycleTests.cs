using Backlinks.Jobs;
using Backlinks.Throttling;

namespace Backlinks.Tests.Jobs;

/// <summary>Each transition of a job row alone: what it sets, what it clears, and that a final state is final.</summary>
public class JobLifecycleTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Later = Created.AddMinutes(5);

    private static JobEntity NewJob() => JobEntity.NewQueued(JobId.New(Created), "example.com", onePerDomain: false, force: false, Created);

    [Fact]
    public void Running_counts_an_attempt_keeps_the_first_start_and_clears_a_wait()
    {
        var job = NewJob();
        job.MarkWaiting(WaitReason.RateLimited, Later, "rate limited", Created);

        job.MarkRunning(Later);
        job.MarkRunning(Later.AddMinutes(1));

        Assert.Equal((JobStatus.Running, 2, Later), (job.Status, job.Attempts, job.StartedAtUtc));
        Assert.Null(job.WaitReason);
        Assert.Null(job.NextAttemptAtUtc);
    }

    [Fact]
    public void Waiting_has_a_reason_and_a_time_and_hands_out_the_next_message()
    {
        var job = NewJob();

        var first = job.MarkWaiting(WaitReason.OutOfCredits, Later, "out of credits", Created);
        var second = job.MarkWaiting(WaitReason.SharedPause, Later.AddMinutes(1), "paused", Created);

        Assert.Equal((JobStatus.Waiting, WaitReason.SharedPause, Later.AddMinutes(1), "paused"), (job.Status, job.WaitReason, job.NextAttemptAtUtc, job.LastError));
        Assert.Equal((1, 2), (first.Seq, second.Seq));
        Assert.NotEqual(first.Token, second.Token);
        Assert.Equal((second.Seq, second.Token), (job.MessageSeq, job.MessageToken));
        Assert.True(second.DescribesJob);
    }

    [Fact]
    public void Requeued_keeps_the_error_and_drops_any_wait()
    {
        var job = NewJob();
        job.MarkWaiting(WaitReason.RateLimited, Later, "rate limited", Created);

        job.MarkRequeued("server error: HTTP 503", Later);

        Assert.Equal((JobStatus.Queued, "server error: HTTP 503"), (job.Status, job.LastError));
        Assert.Null(job.WaitReason);
    }

    [Fact]
    public void Succeeded_points_at_its_snapshot_and_says_whether_it_was_served_from_another_job()
    {
        var own = NewJob();
        var served = NewJob();
        var snapshot = new SnapshotReference(own.JobId, "example.com/2026/11/28/x.json", Later, 12);

        own.MarkWaiting(WaitReason.RateLimited, Later, "rate limited", Created);
        own.MarkSucceeded(snapshot, Later);
        served.MarkSucceeded(snapshot, Later);

        Assert.Equal((JobStatus.Succeeded, false, Later, 12), (own.Status, own.ServedFromCache, own.CompletedAtUtc, own.BacklinkRows));
        Assert.Null(own.LastError);
        Assert.Null(own.WaitReason);
        Assert.True(served.ServedFromCache);
        Assert.Equal(own.JobId, served.SnapshotJobId);
    }

    [Fact]
    public void Failed_keeps_the_reason_and_ends_the_job()
    {
        var job = NewJob();

        job.MarkFailed("the API refused the request", Later);

        Assert.Equal((JobStatus.Failed, "the API refused the request", Later), (job.Status, job.LastError, job.CompletedAtUtc));
        Assert.True(job.IsTerminal());
    }

    [Fact]
    public void A_final_state_is_final()
    {
        var job = NewJob();
        job.MarkFailed("gave up", Later);

        Assert.Throws<InvalidOperationException>(() => job.MarkRunning(Later));
        Assert.Throws<InvalidOperationException>(() => job.MarkWaiting(WaitReason.Budget, Later, "budget", Later));
        Assert.Throws<InvalidOperationException>(() => job.MarkSucceeded(new SnapshotReference(job.JobId, "p", Later, 0), Later));
        Assert.Throws<InvalidOperationException>(() => job.MarkRequeued("again", Later));
        Assert.Equal(JobStatus.Failed, job.Status);
    }
}
