using System.Text.Json;
using Backlinks.Functions.Http;
using Backlinks.Jobs;
using Backlinks.Queries;
using Backlinks.Submissions;
using Backlinks.Tests.Infrastructure;
using Backlinks.Throttling;
using Backlinks.Worker;

namespace Backlinks.Tests.Throttling;

/// <summary>
/// The shared out-of-credits pause and the shared rate limit. These keep to bounds that a loaded machine
/// cannot break (a probe interval is a minimum, the calls in flight are capped by the concurrency), so they
/// run beside the other tests; the rate measured on the real clock runs alone (<see cref="KeepingToTheApiRateTests"/>).
/// </summary>
[WaitsOnTheClock]
public sealed class OneCarefulClientTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static Task<JobId> SubmitAsync(TestPipeline pipeline, string domain) => pipeline.CreateJobAsync(domain);

    private static Task<JobOutcome> RunAsync(TestPipeline pipeline, JobId id) => pipeline.RunJobAsync(id);

    private static int LogCount(TestPipeline pipeline, string text) => pipeline.Logs.GetSnapshot().Count(r => r.Message.Contains(text));

    [Fact]
    public async Task A_402_pauses_everyone_one_probe_per_interval_and_credits_back_end_it()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite);
        pipeline.Api.Credits = 0;
        var a = await SubmitAsync(pipeline, "a.com");
        var b = await SubmitAsync(pipeline, "b.com");
        var c = await SubmitAsync(pipeline, "c.com");

        Assert.Equal(JobOutcomeKind.Deferred, (await RunAsync(pipeline, a)).Kind);         // 402: the pause starts (15 min)
        Assert.Equal(JobOutcomeKind.Deferred, (await RunAsync(pipeline, b)).Kind);         // paused: no call
        Assert.Equal(WaitReason.SharedPause, (await pipeline.Get<JobStore>().GetAsync(b, CancellationToken.None))!.WaitReason);
        Assert.Single(pipeline.Api.Calls);
        Assert.Empty(pipeline.Api.BalanceCalls);
        var (_, paused) = HttpRequests.Read(await new GetStatus(pipeline.Get<AppStatusQuery>()).Run(HttpRequests.Get(), CancellationToken.None));
        Assert.Equal("out_of_credits", paused.GetProperty("pause").GetProperty("reason").GetString());
        Assert.Equal(TestPipeline.Start.AddMinutes(15), paused.GetProperty("pause").GetProperty("untilUtc").GetDateTimeOffset());
        Assert.Equal(2, paused.GetProperty("jobsByStatus").GetProperty("waiting").GetInt32());
        Assert.Equal(1, paused.GetProperty("jobsByStatus").GetProperty("queued").GetInt32());

        pipeline.Time.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(JobOutcomeKind.Deferred, (await RunAsync(pipeline, b)).Kind);         // the probe: still 0 → 30 min more
        Assert.Equal(JobOutcomeKind.Deferred, (await RunAsync(pipeline, c)).Kind);         // no second probe in the interval
        Assert.Single(pipeline.Api.BalanceCalls);
        Assert.Single(pipeline.Api.Calls);
        var control = await pipeline.Get<AccountState>().ReadControlAsync(CancellationToken.None);
        Assert.Equal(TestPipeline.Start.AddMinutes(45), control!.PauseUntilUtc);

        pipeline.Api.Credits = 1000;
        pipeline.Time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(JobOutcomeKind.Succeeded, (await RunAsync(pipeline, c)).Kind);        // the probe sees credits: pause over
        Assert.Equal(JobOutcomeKind.Succeeded, (await RunAsync(pipeline, a)).Kind);
        Assert.Equal(JobOutcomeKind.Succeeded, (await RunAsync(pipeline, b)).Kind);

        Assert.Equal(2, pipeline.Api.BalanceCalls.Count);
        Assert.Equal(1, LogCount(pipeline, "Paused (out_of_credits, HTTP 402)"));
        Assert.Equal(1, LogCount(pipeline, "Credits are back"));
        Assert.Equal(9, pipeline.Api.CreditsSpent);
        var (_, after) = HttpRequests.Read(await new GetStatus(pipeline.Get<AppStatusQuery>()).Run(HttpRequests.Get(), CancellationToken.None));
        Assert.Equal(JsonValueKind.Null, after.GetProperty("pause").ValueKind);
        Assert.Equal(9, after.GetProperty("creditsSpentToday").GetInt32());
        Assert.Equal(1000, after.GetProperty("lastKnownBalance").GetProperty("unitsLeft").GetInt64());
        Assert.Equal(3, after.GetProperty("jobsByStatus").GetProperty("succeeded").GetInt32());
    }

    [Fact]
    public async Task A_call_waiting_for_its_turn_when_the_pause_begins_is_withheld_not_sent()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite);
        var waiting = await SubmitAsync(pipeline, "waiting.com");
        // The account's "not before" is a second away: the call waits for its turn, on the fake clock.
        pipeline.Get<AdaptiveRate>().HoldUntil(TestPipeline.Start.AddSeconds(1));
        var run = RunAsync(pipeline, waiting);
        while ((await pipeline.Get<JobStore>().GetAsync(waiting, CancellationToken.None))!.Status != Backlinks.Jobs.JobStatus.Running)
        {
            Assert.False(run.IsCompleted, "the job ended before it reached its call");
            await Task.Delay(10);
        }

        // Meanwhile another job of this instance meets a 402: the whole app stops calling.
        await pipeline.Get<ApiGate>().OnOutOfCreditsAsync(CancellationToken.None);
        pipeline.Time.Advance(TimeSpan.FromSeconds(2));
        var outcome = await run;

        Assert.Equal(JobOutcomeKind.Deferred, outcome.Kind);
        Assert.Empty(pipeline.Api.Calls);
        var job = (await pipeline.Get<JobStore>().GetAsync(waiting, CancellationToken.None))!;
        Assert.Equal((Backlinks.Jobs.JobStatus.Waiting, WaitReason.SharedPause), (job.Status, job.WaitReason));
        Assert.Equal(0, await pipeline.Get<CreditLedger>().SpentAsync(pipeline.Time.GetUtcNow(), CancellationToken.None));
    }

    [Fact]
    public async Task A_429_slows_the_whole_app_until_the_retry_after()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite);
        var a = await SubmitAsync(pipeline, "a.com");
        var b = await SubmitAsync(pipeline, "b.com");
        pipeline.Api.Script(SandboxAnswer.RateLimited("120"));

        Assert.Equal(JobOutcomeKind.Deferred, (await RunAsync(pipeline, a)).Kind);
        var outcome = await RunAsync(pipeline, b);

        Assert.Equal(JobOutcomeKind.Deferred, outcome.Kind);
        var job = (await pipeline.Get<JobStore>().GetAsync(b, CancellationToken.None))!;
        Assert.Equal(WaitReason.SharedRateLimit, job.WaitReason);
        Assert.InRange(job.NextAttemptAtUtc!.Value, TestPipeline.Start.AddSeconds(120), TestPipeline.Start.AddSeconds(144));
        Assert.Single(pipeline.Api.Calls);

        pipeline.Time.Advance(TimeSpan.FromSeconds(150));
        Assert.Equal(JobOutcomeKind.Succeeded, (await RunAsync(pipeline, b)).Kind);
    }

    [Fact]
    public async Task An_outage_with_50_queued_jobs_costs_one_probe_per_interval_and_every_job_succeeds_after()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Backoff:CreditsInitialDelay"] = "00:00:01",
            ["Backoff:CreditsMaxDelay"] = "00:00:02",
            ["Queue:PollInterval"] = "00:00:00.050",
            ["Queue:Concurrency"] = "4",
        }, systemClock: true);
        pipeline.Api.Credits = 0;
        await pipeline.SubmitAsync(Enumerable.Range(0, 50).Select(i => $"site{i}.com"));

        var work = pipeline.Get<QueueWorker>().RunAsync(WorkUntil.Empty, new WorkerTally(), CancellationToken.None);
        while (pipeline.Api.BalanceCalls.Count < 2)
        {
            await Task.WhenAny(work, Task.Delay(50));
            Assert.False(work.IsCompleted, "the worker stopped during the outage");
        }
        pipeline.Api.Credits = 1000;
        var tally = await work.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(50, tally.Succeeded);
        Assert.Equal(150, pipeline.Api.CreditsSpent);
        Assert.Equal(150, await pipeline.Get<CreditLedger>().SpentAsync(DateTimeOffset.UtcNow, CancellationToken.None));
        // Only the calls already under way when the first 402 came back were refused.
        Assert.InRange(pipeline.Api.Calls.Count - 50, 1, 4);
        // At most one probe per interval (1 s, then 2 s), however many jobs were waiting.
        var probes = pipeline.Api.BalanceCalls;
        Assert.All(probes.Zip(probes.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromSeconds(0.9), $"{pair.First:O} → {pair.Second:O}"));
        Assert.Equal(1, LogCount(pipeline, "Paused (out_of_credits, HTTP 402)"));
        Assert.Equal(1, LogCount(pipeline, "Credits are back"));
    }
}
