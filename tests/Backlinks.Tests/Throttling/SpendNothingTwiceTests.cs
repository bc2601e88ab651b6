using Backlinks.Functions.Http;
using Backlinks.Jobs;
using Backlinks.Queries;
using Backlinks.Storage;
using Backlinks.Submissions;
using Backlinks.Tests.Infrastructure;
using Backlinks.Throttling;

namespace Backlinks.Tests.Throttling;

/// <summary>Cache window, force, shared calls and the daily budget, on the fake clock through the processor.</summary>
public sealed class SpendNothingTwiceTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?> { ["Budget:DailyCredits"] = "9" });

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private Task<JobId> SubmitAsync(string domain, bool force = false, bool onePerDomain = false) => _pipeline.CreateJobAsync(domain, force, onePerDomain);

    private Task<JobOutcome> RunAsync(JobId id) => _pipeline.RunJobAsync(id);

    private async Task<JobEntity> JobAsync(JobId id) => (await _pipeline.Get<JobStore>().GetAsync(id, CancellationToken.None))!;

    [Fact]
    public async Task A_fresh_snapshot_serves_the_job_without_a_call_or_a_new_row_and_force_bypasses_it()
    {
        var first = await SubmitAsync("example.com");
        Assert.Equal(JobOutcomeKind.Succeeded, (await RunAsync(first)).Kind);
        _pipeline.Time.Advance(TimeSpan.FromHours(23));

        var cached = await SubmitAsync("https://www.example.com/");
        Assert.Equal(JobOutcomeKind.Succeeded, (await RunAsync(cached)).Kind);

        Assert.Single(_pipeline.Api.Calls);
        Assert.Single(await _pipeline.Get<MetricsStore>().GetHistoryAsync("example.com", CancellationToken.None));
        var job = await JobAsync(cached);
        Assert.True(job.ServedFromCache);
        Assert.Equal((await JobAsync(first)).RawBlobPath, job.RawBlobPath);
        Assert.Equal(0, job.Attempts);
        var (_, view) = HttpRequests.Read(await new GetLookup(_pipeline.Get<JobQueries>()).Run(HttpRequests.Get(), cached.ToString(), CancellationToken.None));
        Assert.True(view.GetProperty("result").GetProperty("servedFromCache").GetBoolean());
        Assert.Equal(first.ToString(), view.GetProperty("result").GetProperty("metrics").GetProperty("jobId").GetString());

        var forced = await SubmitAsync("example.com", force: true);
        Assert.Equal(JobOutcomeKind.Succeeded, (await RunAsync(forced)).Kind);
        Assert.Equal(2, _pipeline.Api.Calls.Count);
        Assert.False((await JobAsync(forced)).ServedFromCache);
    }

    [Fact]
    public async Task Past_the_window_or_for_the_other_one_per_domain_setting_the_api_is_called()
    {
        await RunAsync(await SubmitAsync("example.com"));

        await RunAsync(await SubmitAsync("example.com", onePerDomain: true));
        Assert.Equal(2, _pipeline.Api.Calls.Count);

        _pipeline.Time.Advance(TimeSpan.FromHours(24));
        await RunAsync(await SubmitAsync("example.com"));
        Assert.Equal(3, _pipeline.Api.Calls.Count);
    }

    [Fact]
    public async Task Jobs_for_the_same_domain_in_flight_share_one_call_even_when_forced()
    {
        var leader = await SubmitAsync("example.com");
        var follower = await SubmitAsync("example.com", force: true);
        var gate = new TaskCompletionSource();
        _pipeline.Api.Script(SandboxApi.Synthetic("example.com").HeldUntil(gate.Task));

        var leading = RunAsync(leader);
        await _pipeline.Api.WaitForCallsAsync(1);
        var waiting = await RunAsync(follower);
        Assert.Equal((JobOutcomeKind.Deferred, WaitReason.SharedCall), (waiting.Kind, (await JobAsync(follower)).WaitReason));

        gate.SetResult();
        Assert.Equal(JobOutcomeKind.Succeeded, (await leading).Kind);
        _pipeline.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(JobOutcomeKind.Succeeded, (await RunAsync(follower)).Kind);

        Assert.Single(_pipeline.Api.Calls);
        Assert.True((await JobAsync(follower)).ServedFromCache);
        Assert.Equal(leader.ToString(), (await JobAsync(follower)).SnapshotJobId);
    }

    [Fact]
    public async Task Past_the_daily_budget_jobs_wait_for_the_next_utc_day()
    {
        foreach (var domain in new[] { "a.com", "b.com", "c.com" })
        {
            Assert.Equal(JobOutcomeKind.Succeeded, (await RunAsync(await SubmitAsync(domain))).Kind);
        }
        var fourth = await SubmitAsync("d.com");

        var outcome = await RunAsync(fourth);

        Assert.Equal(JobOutcomeKind.Deferred, outcome.Kind);
        var job = await JobAsync(fourth);
        Assert.Equal(WaitReason.Budget, job.WaitReason);
        var midnight = new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);
        Assert.InRange(job.NextAttemptAtUtc!.Value, midnight, midnight.AddHours(14 * 0.2));
        Assert.Contains("daily budget of 9 credits", job.LastError);
        Assert.Equal(3, _pipeline.Api.Calls.Count);
        Assert.Equal(9, await _pipeline.Get<CreditLedger>().SpentAsync(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero), CancellationToken.None));

        _pipeline.Time.SetUtcNow(job.NextAttemptAtUtc.Value);
        Assert.Equal(JobOutcomeKind.Succeeded, (await RunAsync(fourth)).Kind);
        Assert.Equal(3, await _pipeline.Get<CreditLedger>().SpentAsync(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero), CancellationToken.None));
    }

    [Fact]
    public async Task A_refused_call_gives_its_credits_back()
    {
        _pipeline.Api.Script(SandboxAnswer.BadRequest());
        await RunAsync(await SubmitAsync("a.com"));

        Assert.Equal(0, await _pipeline.Get<CreditLedger>().SpentAsync(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero), CancellationToken.None));
    }
}
