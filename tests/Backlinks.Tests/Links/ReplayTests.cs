using System.Text.Json;
using Backlinks.Cli.Hosting;
using Backlinks.Jobs;
using Backlinks.Links;
using Backlinks.Tests.Infrastructure;
using static Backlinks.Tests.Links.LinkTestData;

namespace Backlinks.Tests.Links;

/// <summary><c>backlinks replay</c>: the derived tables rebuilt from the raw blobs the jobs stored.</summary>
public sealed class ReplayTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;

    public async Task InitializeAsync()
    {
        _pipeline = await TestPipeline.StartAsync(azurite);
        // Three snapshots of one domain (one of them a onePerDomain sample) and one of another, fetched by jobs.
        await FetchAsync("example.com", LinkRows(0, 6));
        await FetchAsync("example.com", LinkRows(2, 6));
        await FetchAsync("example.com", LinkRows(3, 1), onePerDomain: true);
        await FetchAsync("other.org", LinkRows(0, 3, "other.org"));
    }

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private async Task FetchAsync(string domain, IEnumerable<Row> rows, bool onePerDomain = false)
    {
        _pipeline.Time.Advance(TimeSpan.FromHours(25));
        _pipeline.Api.Script(SandboxAnswer.Json(200, Answer(domain, rows)));
        var job = await _pipeline.CreateJobAsync(domain, onePerDomain: onePerDomain);
        Assert.Equal(JobOutcomeKind.Succeeded, (await _pipeline.RunJobAsync(job)).Kind);
    }

    private async Task<JsonElement> ReplayAsync(params string[] options)
    {
        var run = await CliRunner.RunAsync(_pipeline, ["replay", "--json", .. options]);
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        return JsonDocument.Parse(run.Output).RootElement.Clone();
    }

    [Fact]
    public async Task Deleted_derived_tables_are_rebuilt_identically_and_a_second_replay_changes_nothing()
    {
        var original = await DumpDerivedAsync(_pipeline);
        Assert.Contains("\"NewLinks\":2", original); // the second snapshot's gains, as the job recorded them
        var calls = _pipeline.Api.Calls.Count;
        var s = _pipeline.Storage;
        foreach (var table in new[] { s.MetricsTable, s.LatestMetricsTable, s.LinkRowsTable, s.LinkChangesTable, s.RefDomainsTable })
        {
            await table.DeleteAsync();
        }

        var first = await ReplayAsync();

        Assert.Equal((2, 4, 4, 0, 0), (first.GetProperty("domains").GetInt32(), first.GetProperty("snapshots").GetInt32(),
            first.GetProperty("applied").GetInt32(), first.GetProperty("alreadyApplied").GetInt32(), first.GetProperty("unreadable").GetInt32()));
        Assert.Equal((2, 2), (first.GetProperty("newLinks").GetInt32(), first.GetProperty("lostLinks").GetInt32()));
        Assert.Equal(original, await DumpDerivedAsync(_pipeline));

        var rebuilt = await DumpDerivedAsync(_pipeline, withTimestamps: true);
        var second = await ReplayAsync();

        Assert.Equal((0, 4), (second.GetProperty("applied").GetInt32(), second.GetProperty("alreadyApplied").GetInt32()));
        Assert.Equal(rebuilt, await DumpDerivedAsync(_pipeline, withTimestamps: true));
        Assert.Equal(calls, _pipeline.Api.Calls.Count);
    }

    [Fact]
    public async Task A_job_s_stored_snapshot_is_found_by_its_id_for_a_resume()
    {
        var job = (await AllAsync<JobEntity>(_pipeline.Storage.JobsTable)).First(j => j.Domain == "other.org");
        var raw = _pipeline.Get<RawSnapshots>();

        var found = await raw.FindForJobAsync("other.org", job.JobId, CancellationToken.None);

        Assert.NotNull(found);
        Assert.Equal(job.RawBlobPath, found.RawBlobPath);
        Assert.Equal(job.FetchedAtUtc, found.FetchedAtUtc);
        Assert.Equal(3, found.Response.Backlinks.Count);
        Assert.Null(await raw.FindForJobAsync("other.org", JobId.New(TestPipeline.Start).ToString(), CancellationToken.None));
    }

    [Fact]
    public async Task Replay_takes_one_domain_or_the_snapshots_since_a_date()
    {
        var oneDomain = await ReplayAsync("--domain", "WWW.Other.org");
        Assert.Equal((1, 1), (oneDomain.GetProperty("domains").GetInt32(), oneDomain.GetProperty("snapshots").GetInt32()));

        var lastTwo = _pipeline.Time.GetUtcNow().AddHours(-26).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var recent = await ReplayAsync("--since", lastTwo);
        Assert.Equal(2, recent.GetProperty("snapshots").GetInt32());

        var bad = await CliRunner.RunAsync(_pipeline, "replay", "--since", "last tuesday");
        Assert.Equal(ExitCodes.Error, bad.ExitCode);
        Assert.Contains("--since", bad.Output);
    }
}
