using System.Text;
using Backlinks.Cli.Hosting;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Cli;

/// <summary>SIGTERM, as docker stop, systemd and timeout send it, to the running tool.</summary>
public sealed class CliProcessSignalTests(AzuriteFixture azurite) : CliProcessTestBase(azurite)
{
    [Fact]
    public async Task Sigterm_stops_the_sandbox_at_once_even_with_a_slow_answer_in_flight()
    {
        await using var sandbox = CliProcess.Start(Pipeline.Settings, "sandbox", "--port", "0");
        await sandbox.WaitForStderrAsync("Ctrl-C stops it.", TimeSpan.FromSeconds(60));
        var url = new Uri(System.Text.RegularExpressions.Regex.Match(sandbox.StderrSoFar, @"listening at (http://[0-9.]+:[0-9]+)").Groups[1].Value);
        var key = System.Text.RegularExpressions.Regex.Match(sandbox.StderrSoFar, @"DomDetailer__ApiKey=(\S+)").Groups[1].Value;
        // A slow. domain is answered after 20 s: the request stays open while the sandbox is told to stop. It follows a
        // quick one on the same connection, which the sandbox answers first: once that answer is here, the slow request
        // is the one the sandbox is handling.
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(url.Host, url.Port);
        var stream = client.GetStream();
        string Get(string domain) => $"GET /api2/backlinks.php?apikey={key}&app=test&domain={domain} HTTP/1.1\r\nHost: {url.Authority}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Get("example.com") + Get("slow.example.com")));
        var answered = new StringBuilder();
        var buffer = new byte[4096];
        while (!answered.ToString().Contains("HTTP/1.1 ", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(read > 0, "the sandbox closed the connection before answering");
            answered.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        sandbox.Signal("TERM");
        var run = await sandbox.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Stopping… (SIGTERM again to quit at once)", run.Stderr);
        Assert.DoesNotContain("jobs in hand", run.Stderr); // it has none
    }

    [Fact]
    public async Task Sigterm_stops_work_and_gives_back_the_messages_it_had_not_started()
    {
        var (started, firstAnswer) = await StopWorkWithACallInFlightAsync(Enumerable.Range(1, 20).Select(i => $"site{i}.com"),
            () => CliProcess.Start(Pipeline.Settings, "work", "--concurrency", "1"));
        await using var work = started;
        // The fetched, unstarted messages are visible again at once, while the job in hand still waits for its answer:
        // not once it ends (a second signal then would have left them leased), nor after their lease.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await Pipeline.Storage.JobsQueue.PeekMessagesAsync(32)).Value.Length < 19)
        {
            Assert.True(DateTime.UtcNow < deadline, "the unstarted messages were not given back while the job in hand ran");
            await Task.Delay(100);
        }
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

    [Fact]
    public async Task A_second_sigterm_quits_work_with_143_and_gives_the_job_in_hand_back_at_once()
    {
        var (started, answer) = await StopWorkWithACallInFlightAsync(["a.com", "b.com"], () => CliProcess.Start(Pipeline.Settings, "work", "--concurrency", "1"));
        await using var work = started;
        await Task.Delay(400); // a person's second Ctrl-C: not within the 300 ms that a copy of the first signal arrives in
        work.Signal("TERM");
        var run = await work.WaitAsync(TimeSpan.FromSeconds(10));
        answer.SetResult();

        Assert.Equal(ExitCodes.QuitByTerminate, run.ExitCode);
        Assert.Contains("Quitting: the jobs in hand go back to the queue", run.Stderr);
        // The job in hand's message is visible again now, with the one not started: neither waits out its lease.
        Assert.Equal(2, (await Pipeline.Storage.JobsQueue.PeekMessagesAsync(32)).Value.Length);
    }

    [Fact]
    public async Task A_killed_lookup_leaves_its_job_in_the_queue_for_a_worker_after_the_lease()
    {
        var answer = new TaskCompletionSource();
        Pipeline.Api.Script(SandboxApi.Synthetic("killed.com").HeldUntil(answer.Task));
        var settings = new Dictionary<string, string?>(Pipeline.Settings) { ["Queue:ProcessingLease"] = "00:00:02" };

        await using (var lookup = CliProcess.Start(settings, "lookup", "killed.com"))
        {
            await Pipeline.Api.WaitForCallsAsync(1).WaitAsync(TimeSpan.FromSeconds(60));
            lookup.Signal("KILL");
            await lookup.WaitAsync(TimeSpan.FromSeconds(10));
        }
        answer.SetResult();

        Assert.Equal(1, await QueuedAsync());
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await Pipeline.Storage.JobsQueue.PeekMessagesAsync(32)).Value.Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the killed lookup's message did not come back after its lease");
            await Task.Delay(100);
        }
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(Pipeline, "work", "--until-empty")).ExitCode);
        var job = Assert.Single(await Pipeline.Storage.JobsTable.QueryAsync<Backlinks.Jobs.JobEntity>().ToListAsync());
        Assert.Equal(("killed.com", Backlinks.Jobs.JobStatus.Succeeded), (job.Domain, job.Status));
        Assert.Equal(0, await QueuedAsync());
    }

    [Fact]
    public async Task Under_timeout_work_finishes_the_job_in_hand_its_signal_sent_twice_is_one_stop()
    {
        // timeout passes a signal it gets on to the tool, and then to its own process group, the tool included: two
        // SIGTERMs at once, as when its time runs out. The kernel often merges the two into one; StopSignalsTests holds
        // the rule for when it does not. (Signalling timeout, not waiting for its timer: the test keeps to no clock.)
        var (started, answer) = await StopWorkWithACallInFlightAsync(["a.com", "b.com"],
            () => CliProcess.StartUnderTimeout(Pipeline.Settings, TimeSpan.FromMinutes(10), "work", "--concurrency", "1"));
        await using var work = started;
        answer.SetResult();
        var run = await work.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExitCodes.Ok, run.ExitCode); // timeout passes on the tool's own code when it did not time out
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(run.Stderr, "Stopping after the jobs in hand"));
        Assert.DoesNotContain("Quitting", run.Stderr);
        Assert.Contains("Stopped. Jobs not started are still queued.", run.Stderr);
        // The job in hand finished; the other was not started.
        var jobs = await Pipeline.Storage.JobsTable.QueryAsync<Backlinks.Jobs.JobEntity>().ToListAsync();
        Assert.Equal([Backlinks.Jobs.JobStatus.Queued, Backlinks.Jobs.JobStatus.Succeeded], jobs.Select(j => j.Status).Order());
    }

    /// <summary>
    /// Submits the domains, starts work (one job at a time) with <paramref name="start"/> and, once its first call is in
    /// flight (its answer held until the returned source completes), sends it SIGTERM and waits for it to say it stops.
    /// </summary>
    private async Task<(CliProcess Work, TaskCompletionSource Answer)> StopWorkWithACallInFlightAsync(IEnumerable<string> domains, Func<CliProcess> start)
    {
        Assert.Equal(ExitCodes.Ok, (await RunAsync(Encoding.UTF8.GetBytes(string.Join('\n', domains)), "submit", "-")).ExitCode);
        var answer = new TaskCompletionSource();
        Pipeline.Api.Script(SandboxApi.Synthetic("example.com").HeldUntil(answer.Task));
        var work = start();
        try
        {
            await Pipeline.Api.WaitForCallsAsync(1).WaitAsync(TimeSpan.FromSeconds(60));
            work.Signal("TERM");
            await work.WaitForStderrAsync("Stopping after the jobs in hand", TimeSpan.FromSeconds(20));
            return (work, answer);
        }
        catch
        {
            await work.DisposeAsync();
            throw;
        }
    }
}
