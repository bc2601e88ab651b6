using System.Text;
using Backlinks.Cli.Hosting;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Cli;

/// <summary>SIGTERM, as docker stop, systemd and timeout send it, to the running tool.</summary>
public sealed class CliProcessSignalTests(AzuriteFixture azurite) : CliProcessTestBase(azurite)
{
    [Fact]
    public async Task Sigterm_stops_the_sandbox_at_once()
    {
        await using var sandbox = CliProcess.Start(Pipeline.Settings, "sandbox", "--port", "0");
        await sandbox.WaitForStderrAsync("Ctrl-C stops it.", TimeSpan.FromSeconds(60));

        sandbox.Signal("TERM");
        var run = await sandbox.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Stopping… (Ctrl-C again to quit at once)", run.Stderr);
        Assert.DoesNotContain("jobs in hand", run.Stderr); // it has none
    }

    [Fact]
    public async Task Sigterm_stops_work_and_gives_back_the_messages_it_had_not_started()
    {
        var domains = string.Join('\n', Enumerable.Range(1, 20).Select(i => $"site{i}.com"));
        Assert.Equal(ExitCodes.Ok, (await RunAsync(Encoding.UTF8.GetBytes(domains), "submit", "-")).ExitCode);
        var firstAnswer = new TaskCompletionSource();
        Pipeline.Api.Script(SandboxApi.Synthetic("site1.com").HeldUntil(firstAnswer.Task));

        await using var work = CliProcess.Start(Pipeline.Settings, "work", "--concurrency", "1");
        await Pipeline.Api.WaitForCallsAsync(1).WaitAsync(TimeSpan.FromSeconds(60));
        work.Signal("TERM");
        await work.WaitForStderrAsync("Stopping after the jobs in hand", TimeSpan.FromSeconds(20));
        firstAnswer.SetResult();
        var run = await work.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Stopped. Jobs not started are still queued.", run.Stderr);
        Assert.Matches(@"│\s+1 │\s+0 │\s+0 │", run.Stdout);
        // The job in hand finished; the fetched, unstarted messages are visible again at once, not after their lease.
        Assert.Equal(19, await QueuedAsync());
        var visible = await Pipeline.Storage.JobsQueue.PeekMessagesAsync(32);
        Assert.Equal(19, visible.Value.Length);
    }
}
