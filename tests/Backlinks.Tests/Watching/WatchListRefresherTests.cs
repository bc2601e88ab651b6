using Backlinks.Jobs;
using Backlinks.Queries;
using Backlinks.Tests.Infrastructure;
using Backlinks.Watching;

namespace Backlinks.Tests.Watching;

/// <summary>The scheduled refresh against real Azurite, on a fake clock: due, not due, edits, budget, concurrent runs.</summary>
public sealed class WatchListRefresherTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite);

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private WatchListStore Store => _pipeline.Get<WatchListStore>();

    private Task<WatchRunResult> RunAsync() => _pipeline.Get<WatchListRefresher>().RunAsync(CancellationToken.None);

    private async Task WatchAsync(string domain, WatchSettings? settings = null) =>
        await Store.SaveAsync([(domain, settings ?? new WatchSettings())], CancellationToken.None);

    private async Task<WatchEntryEntity> EntryAsync(string domain) => (await Store.GetAsync(domain, CancellationToken.None))!;

    private async Task<int> MessagesAsync() => (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    [Fact]
    public async Task A_new_entry_is_due_at_once_and_queued_once_through_the_submission_path()
    {
        await WatchAsync("example.com", new WatchSettings(Group: "clients", OnePerDomain: true));

        var run = await RunAsync();

        Assert.Equal((1, 0, 0), (run.Queued, run.NotDue, run.HeldBack));
        var queued = Assert.Single(run.Jobs);
        var entry = await EntryAsync("example.com");
        Assert.Equal(queued.JobId, entry.LastJobId);
        Assert.Equal(TestPipeline.Start, entry.LastQueuedUtc);
        Assert.Equal(TestPipeline.Start.AddDays(7), entry.NextDueUtc);

        // The job exists as POST /api/lookups makes it: a queued row and a message the worker runs.
        var job = await _pipeline.Get<JobStore>().GetAsync(new JobId(Guid.Parse(queued.JobId)), CancellationToken.None);
        Assert.Equal((JobStatus.Queued, "example.com", true, false), (job!.Status, job.Domain, job.OnePerDomain, job.Force));
        Assert.Equal(1, await MessagesAsync());

        var again = await RunAsync();
        Assert.Equal((0, 1), (again.Queued, again.NotDue));
        Assert.Equal(1, await MessagesAsync());
    }

    [Fact]
    public async Task An_entry_is_due_again_one_interval_after_it_was_queued_and_not_before()
    {
        await WatchAsync("example.com", new WatchSettings(Every: TimeSpan.FromHours(12)));
        await RunAsync();

        _pipeline.Time.Advance(TimeSpan.FromHours(12) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, (await RunAsync()).Queued);

        _pipeline.Time.Advance(TimeSpan.FromSeconds(1));
        var due = await RunAsync();
        Assert.Equal(1, due.Queued);
        Assert.Equal(TestPipeline.Start.AddHours(24), (await EntryAsync("example.com")).NextDueUtc);
    }

    [Fact]
    public async Task An_edited_interval_counts_from_the_last_time_the_entry_was_queued()
    {
        await WatchAsync("example.com");
        await RunAsync();
        _pipeline.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, (await RunAsync()).Queued); // weekly: not due after a day

        await WatchAsync("example.com", new WatchSettings(Every: TimeSpan.FromDays(1)));

        var entry = await EntryAsync("example.com");
        Assert.Equal(("1d", TestPipeline.Start.AddDays(1)), (entry.Every, entry.NextDueUtc));
        Assert.Equal(1, (await RunAsync()).Queued);
    }

    [Fact]
    public async Task A_disabled_entry_is_not_queued_until_it_is_enabled_again()
    {
        await WatchAsync("example.com", new WatchSettings(Enabled: false));
        await WatchAsync("other.org");

        var run = await RunAsync();

        Assert.Equal((1, 1), (run.Queued, run.Disabled));
        Assert.Equal("other.org", Assert.Single(run.Jobs).Domain);

        await WatchAsync("example.com", new WatchSettings(Enabled: true));
        Assert.Equal("example.com", Assert.Single((await RunAsync()).Jobs).Domain);
    }

    [Fact]
    public async Task Three_concurrent_runs_queue_each_due_entry_exactly_once()
    {
        var domains = Enumerable.Range(0, 30).Select(i => $"site{i}.com").ToList();
        await Store.SaveAsync(domains.Select(d => (d, new WatchSettings())).ToList(), CancellationToken.None);
        // Two more instances: their own clients and clocks, the same storage.
        await using var second = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>(_pipeline.Settings));
        await using var third = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>(_pipeline.Settings));

        var runs = await Task.WhenAll(
            RunAsync(),
            second.Get<WatchListRefresher>().RunAsync(CancellationToken.None),
            third.Get<WatchListRefresher>().RunAsync(CancellationToken.None));

        Assert.Equal(30, runs.Sum(r => r.Queued));
        Assert.Equal(domains.Order(), runs.SelectMany(r => r.Jobs).Select(j => j.Domain).Order());
        Assert.Equal(60, runs.Sum(r => r.ClaimedElsewhere + r.NotDue));
        Assert.Equal(30, await MessagesAsync());
        foreach (var domain in domains)
        {
            var job = runs.SelectMany(r => r.Jobs).Single(j => j.Domain == domain);
            Assert.Equal(job.JobId, (await EntryAsync(domain)).LastJobId);
        }
    }

    [Fact]
    public async Task Jobs_are_spread_over_the_period_instead_of_a_burst()
    {
        await Store.SaveAsync(new[] { "a.com", "b.com", "c.com", "d.com" }.Select(d => (d, new WatchSettings())).ToList(), CancellationToken.None);

        var run = await RunAsync();

        // SpreadOver is 15 minutes by default: one job now, then one every 3 min 45 s.
        Assert.Equal(
            [TimeSpan.Zero, TimeSpan.FromSeconds(225), TimeSpan.FromSeconds(450), TimeSpan.FromSeconds(675)],
            run.Jobs.Select(j => j.VisibleAtUtc - TestPipeline.Start).Order());
        Assert.Equal(4, await MessagesAsync());
        Assert.Single((await _pipeline.Storage.JobsQueue.PeekMessagesAsync(32)).Value); // the others are not visible yet
    }

    [Fact]
    public async Task An_entry_whose_message_could_not_be_sent_stays_due_for_the_next_run()
    {
        await WatchAsync("example.com");
        _pipeline.StorageRequests.FailWhen(r => r.Method == "POST" && r.Resource == _pipeline.Storage.JobsQueue.Name
            ? new Azure.RequestFailedException(503, "The server is busy.")
            : null);

        var failed = await RunAsync();

        Assert.Equal((0, 1), (failed.Queued, failed.NotQueued));
        Assert.Contains("storage failed", failed.Error);
        var entry = await EntryAsync("example.com");
        Assert.Equal((TestPipeline.Start, (DateTimeOffset?)null, (string?)null), (entry.NextDueUtc, entry.LastQueuedUtc, entry.LastJobId));

        _pipeline.StorageRequests.FailWhen(null);
        Assert.Equal(1, (await RunAsync()).Queued);
        Assert.Equal(1, await MessagesAsync());
    }

    [Fact]
    public async Task A_watched_domain_fetched_within_the_cache_window_is_served_from_its_snapshot()
    {
        var submitted = await _pipeline.SubmitAsync(["example.com"]);
        await _pipeline.RunJobAsync(new JobId(Guid.Parse(submitted.Response!.Accepted[0].JobId)));
        Assert.Single(_pipeline.Api.Calls);

        await WatchAsync("example.com");
        _pipeline.Time.Advance(TimeSpan.FromHours(1));
        var run = await RunAsync();
        var outcome = await _pipeline.RunJobAsync(new JobId(Guid.Parse(Assert.Single(run.Jobs).JobId)));

        var job = await _pipeline.Get<JobStore>().GetAsync(new JobId(Guid.Parse(run.Jobs[0].JobId)), CancellationToken.None);
        Assert.True(job!.ServedFromCache, outcome.ToString());
        Assert.Single(_pipeline.Api.Calls); // no second call, no credit
    }
}

/// <summary>The daily budget caps a run; the rest stay due and show as held back.</summary>
public sealed class WatchListBudgetTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;

    // 10 credits: three entries at 3 credits each.
    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?> { ["Budget:DailyCredits"] = "10" });

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    [Fact]
    public async Task A_run_queues_no_more_than_the_credits_left_allow_oldest_due_first()
    {
        var store = _pipeline.Get<WatchListStore>();
        foreach (var domain in new[] { "e.com", "d.com", "c.com", "b.com", "a.com" })
        {
            await store.SaveAsync([(domain, new WatchSettings())], CancellationToken.None);
            _pipeline.Time.Advance(TimeSpan.FromMinutes(1)); // e.com is due first, a.com last
        }

        var before = (await _pipeline.Get<AppStatusQuery>().GetAsync(CancellationToken.None)).WatchList;
        Assert.Equal((5, 5, 2), (before.Watched, before.DueNow, before.HeldBackByBudget));

        var run = await _pipeline.Get<WatchListRefresher>().RunAsync(CancellationToken.None);

        Assert.Equal((3, 2), (run.Queued, run.HeldBack));
        Assert.Equal(["c.com", "d.com", "e.com"], run.Jobs.Select(j => j.Domain).Order());
        Assert.True((await store.GetAsync("a.com", CancellationToken.None))!.IsDue(_pipeline.Time.GetUtcNow()));
        Assert.Null((await store.GetAsync("a.com", CancellationToken.None))!.LastJobId);
    }

    [Fact]
    public async Task Credits_spent_today_leave_fewer_entries_to_queue()
    {
        var store = _pipeline.Get<WatchListStore>();
        await store.SaveAsync(new[] { "a.com", "b.com", "c.com" }.Select(d => (d, new WatchSettings())).ToList(), CancellationToken.None);
        var submitted = await _pipeline.SubmitAsync(["spent.com"]);
        await _pipeline.RunJobAsync(new JobId(Guid.Parse(submitted.Response!.Accepted[0].JobId))); // 3 of 10 credits

        var run = await _pipeline.Get<WatchListRefresher>().RunAsync(CancellationToken.None);

        Assert.Equal((2, 1), (run.Queued, run.HeldBack));
    }
}
