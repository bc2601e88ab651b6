using System.Text;
using System.Text.Json;
using Backlinks.Cli.Hosting;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Cli;

/// <summary>The watch list commands as a process.</summary>
public sealed class CliProcessWatchTests(AzuriteFixture azurite) : CliProcessTestBase(azurite)
{
    [Fact]
    public async Task Watch_add_list_remove_and_run_as_a_process()
    {
        var withoutKey = SettingsWithoutKey();

        var add = await RunAsync(Encoding.UTF8.GetBytes("a.com\nb.com\nc.com\n"), "watch", "add", "-", "--group", "clients", "--every", "1d");
        var remove = await RunAsync([], "watch", "remove", "c.com");
        var removeUnknown = await RunAsync([], "watch", "remove", "nope.org");
        var run = await RunAsync([], "watch", "run", "--json");
        var list = await CliProcess.RunAsync(withoutKey, [], "watch", "list", "--json");

        Assert.Equal(ExitCodes.Ok, add.ExitCode);
        Assert.Contains("Added 3 · updated 0 · unchanged 0", add.Stdout);
        Assert.Equal(ExitCodes.Ok, remove.ExitCode);
        Assert.Equal((ExitCodes.Error, ""), (removeUnknown.ExitCode, removeUnknown.Stdout));
        Assert.Contains("not on the watch list: nope.org; nothing was removed.", Assert.Single(removeUnknown.Stderr.Trim().Split('\n')));
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal(2, JsonDocument.Parse(run.Stdout).RootElement.GetProperty("queued").GetInt32());
        Assert.Equal(ExitCodes.Ok, list.ExitCode);
        var entries = JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(["a.com", "b.com"], entries.Select(e => e.GetProperty("domain").GetString()));
        Assert.All(entries, e => Assert.Equal(("clients", "1d"), (e.GetProperty("group").GetString(), e.GetProperty("every").GetString())));
        Assert.Equal(2, await QueuedAsync());
    }
}
