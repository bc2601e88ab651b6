using System.Text.Json;
using Backlinks.Cli.Hosting;
using Backlinks.Tests.Infrastructure;
using Backlinks.Watching;

namespace Backlinks.Tests.Watching;

/// <summary><c>backlinks watch add|list|remove|run</c> and the watch list in <c>backlinks status</c>, in-process against Azurite.</summary>
public sealed class WatchCommandTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;
    private readonly string _folder = Directory.CreateTempSubdirectory("backlinks-watch-").FullName;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite);

    public async Task DisposeAsync()
    {
        await _pipeline.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private Task<CliRun> Run(params string[] args) => CliRunner.RunAsync(_pipeline, args);

    private Task<IReadOnlyList<WatchEntryView>> EntriesAsync() => _pipeline.Get<WatchList>().ListAsync(null, CancellationToken.None);

    [Fact]
    public async Task Add_watches_domains_given_as_arguments_with_their_settings()
    {
        var run = await Run("watch", "add", "https://www.Example.com/", "other.org", "--group", "competitors:acme", "--every", "1d", "--one-per-domain");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Added 2 · updated 0 · unchanged 0", run.Output);
        var entries = await EntriesAsync();
        Assert.Equal(["example.com", "other.org"], entries.Select(e => e.Domain));
        Assert.All(entries, e => Assert.Equal(("competitors:acme", "1d", true), (e.Group, e.Every, e.OnePerDomain)));
    }

    [Fact]
    public async Task Add_reads_a_csv_file_or_stdin_like_submit()
    {
        var file = Path.Combine(_folder, "clients.csv");
        await File.WriteAllTextAsync(file, "domain,group,every\nacme.com,clients,7d\nglobex.net,clients,12h\nexa_mple.com,clients,1d\n");

        var fromFile = await Run("watch", "add", file);
        var fromStdin = await CliRunner.RunAsync(_pipeline, new Dictionary<string, string?>(), "rival.io\n", CancellationToken.None, "watch", "add", "-", "--group", "competitors");

        Assert.Equal(ExitCodes.SomeRejected, fromFile.ExitCode);
        Assert.Contains("character '_'", fromFile.Output);
        Assert.Equal(ExitCodes.Ok, fromStdin.ExitCode);
        Assert.Equal([("acme.com", "clients", "7d"), ("globex.net", "clients", "12h"), ("rival.io", "competitors", "7d")],
            (await EntriesAsync()).Select(e => (e.Domain, e.Group, e.Every)));
    }

    [Theory]
    [InlineData("weekly", "12h, 1d, 7d")]
    [InlineData("30m", "d.hh:mm:ss")]
    [InlineData("00:10:00", "at least 1 hour")]
    public async Task A_bad_interval_is_one_line_exit_1_and_nothing_written(string every, string message)
    {
        var run = await Run("watch", "add", "example.com", "--every", every);

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Contains(message, run.Output);
        Assert.EndsWith("See 'backlinks watch add --help'.", Assert.Single(run.Output.Trim().Split('\n')));
        Assert.Empty(await EntriesAsync());
    }

    [Fact]
    public async Task List_shows_the_entries_as_a_table_json_or_csv_and_filters_by_group()
    {
        await Run("watch", "add", "a.com", "--group", "clients");
        await Run("watch", "add", "b.com", "--group", "competitors");

        var table = await Run("watch", "list");
        var json = await Run("watch", "list", "--group", "clients", "--json");
        var csv = await Run("watch", "list", "--csv");

        Assert.Contains("a.com", table.Output);
        Assert.Contains("competitors", table.Output);
        var entries = JsonDocument.Parse(json.Output).RootElement;
        Assert.Equal(["a.com"], entries.EnumerateArray().Select(e => e.GetProperty("domain").GetString()));
        var lines = csv.Output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Domain,Group,Every,OnePerDomain,Enabled,NextDueUtc,LastQueuedUtc,LastJobId,AddedAtUtc", lines[0]);
        // The CLI runs on the real clock: a new entry is due the moment it was added.
        var fields = lines[1].Split(',');
        Assert.Equal(["a.com", "clients", "7d", "false", "true"], fields[..5]);
        Assert.Equal(("", ""), (fields[6], fields[7]));
        Assert.Equal(fields[8], fields[5]);
    }

    [Fact]
    public async Task Remove_stops_watching_and_an_unknown_domain_is_exit_1_with_nothing_removed()
    {
        await Run("watch", "add", "a.com", "b.com");

        var unknown = await Run("watch", "remove", "a.com", "nope.org");
        Assert.Equal(ExitCodes.Error, unknown.ExitCode);
        Assert.Contains("not on the watch list: nope.org; nothing was removed.", unknown.Output);
        Assert.Equal(2, (await EntriesAsync()).Count);

        var removed = await Run("watch", "remove", "A.com");
        Assert.Equal(ExitCodes.Ok, removed.ExitCode);
        Assert.Equal(["b.com"], (await EntriesAsync()).Select(e => e.Domain));
    }

    [Fact]
    public async Task Run_queues_the_due_entries_and_says_what_it_did()
    {
        await Run("watch", "add", "a.com", "b.com");
        var first = await Run("watch", "run");
        await Run("watch", "add", "c.com", "--every", "1d");

        var run = await Run("watch", "run");
        var json = await Run("watch", "run", "--json");

        Assert.Contains("Queued 2 · not due 0 · held back by the budget 0", first.Output);
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.True(run.Output.Contains("Queued 1 · not due 2 · held back by the budget 0"), run.Output);
        Assert.Equal((0, 3), (JsonDocument.Parse(json.Output).RootElement.GetProperty("queued").GetInt32(), JsonDocument.Parse(json.Output).RootElement.GetProperty("notDue").GetInt32()));
        Assert.Equal(3, (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Status_shows_the_watch_list()
    {
        await Run("watch", "add", "a.com", "b.com");
        await Run("watch", "add", "c.com", "--every", "12h");
        await Run("watch", "run");
        await Run("watch", "add", "d.com");

        var table = await Run("status");
        var json = JsonDocument.Parse((await Run("status", "--json")).Output).RootElement.GetProperty("watchList");

        // c.com was queued by the run (on the CLI's real clock) and is next due 12 hours later; d.com is due now.
        var nextDue = (await _pipeline.Get<WatchListStore>().GetAsync("c.com", CancellationToken.None))!.NextDueUtc;
        Assert.Equal((4, 1, 0), (json.GetProperty("watched").GetInt32(), json.GetProperty("dueNow").GetInt32(), json.GetProperty("heldBackByBudget").GetInt32()));
        Assert.Equal(nextDue, json.GetProperty("nextDueUtc").GetDateTimeOffset());
        Assert.Contains($"4 watched · 1 due now · 0 held back by the budget · next due {nextDue:u}", table.Output);
    }
}
