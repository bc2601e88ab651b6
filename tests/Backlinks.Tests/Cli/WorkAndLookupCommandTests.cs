using System.Text.Json;
using Azure.Data.Tables;
using Backlinks.Cli.Hosting;
using Backlinks.Jobs;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Cli;

/// <summary>
/// work, lookup, status and metrics against Azurite and the sandbox API. The worker runs on the real
/// clock (delayed messages become visible in Azurite's time), so backoff here is set to one second.
/// </summary>
public sealed class WorkAndLookupCommandTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private static readonly Dictionary<string, string?> FastQueue = new()
    {
        ["Backoff:RateLimitBaseDelay"] = "00:00:01",
        ["Backoff:RateLimitMaxDelay"] = "00:00:01",
        ["Backoff:JitterRatio"] = "0",
        ["Queue:PollInterval"] = "00:00:00.100",
        ["Queue:VisibilityTimeout"] = "00:00:00",
        ["Queue:MaxDequeueCount"] = "2",
    };

    private TestPipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite, FastQueue);

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private async Task SubmitAsync(params string[] domains) =>
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(_pipeline, new Dictionary<string, string?>(), string.Join('\n', domains), CancellationToken.None, "submit", "-")).ExitCode);

    private async Task<List<JobEntity>> JobsAsync()
    {
        var jobs = new List<JobEntity>();
        await foreach (var job in _pipeline.Storage.JobsTable.QueryAsync<JobEntity>())
        {
            jobs.Add(job);
        }
        return jobs;
    }

    private async Task<int> QueuedAsync() => (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    [Fact]
    public async Task Work_until_empty_waits_out_a_delayed_429_and_finishes_every_job()
    {
        await SubmitAsync("a.com", "b.com", "c.com");
        _pipeline.Api.Script(SandboxAnswer.RateLimited("1"));

        var run = await CliRunner.RunAsync(_pipeline, "work", "--until-empty", "--concurrency", "2");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.All(await JobsAsync(), j => Assert.Equal(JobStatus.Succeeded, j.Status));
        Assert.Contains(await JobsAsync(), j => j.RateLimitedCount == 1);
        Assert.Equal(4, _pipeline.Api.Calls.Count);
        Assert.Equal(0, await QueuedAsync());
        // succeeded, waits (the 429'd job's, and those of jobs honouring the app-wide "not before"), failed, retried, skipped, credits
        Assert.Matches(@"│\s+3 │\s+\d+ │\s+0 │\s+0 │\s+0 │\s+9 │", run.Output);
    }

    [Fact]
    public async Task Work_until_idle_stops_when_the_api_refuses_every_call_with_a_short_retry_after()
    {
        await SubmitAsync("refused.com");
        _pipeline.Api.Script(Enumerable.Repeat(SandboxAnswer.RateLimited("1"), 50).ToArray());

        // Waited for once (a second 429 shows the wait does not end), then stopped: a run that never ends was the bug.
        var run = await CliRunner.RunAsync(_pipeline, "work", "--until-idle").WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal(2, _pipeline.Api.Calls.Count);
        Assert.Equal(JobStatus.Waiting, Assert.Single(await JobsAsync()).Status);
    }

    [Fact]
    public async Task A_job_served_from_a_stored_snapshot_costs_no_credits()
    {
        await SubmitAsync("example.com");
        await CliRunner.RunAsync(_pipeline, "work", "--until-empty");
        await SubmitAsync("https://www.example.com/");

        var run = await CliRunner.RunAsync(_pipeline, "work", "--until-empty");

        Assert.Matches(@"│\s+1 │\s+0 │\s+0 │\s+0 │\s+0 │\s+0 │", run.Output);
        Assert.Single(_pipeline.Api.Calls);
    }

    [Fact]
    public async Task Work_sends_a_job_that_keeps_failing_to_poison_and_fails_it()
    {
        await SubmitAsync("down.com");
        _pipeline.Api.Script(Enumerable.Repeat(SandboxAnswer.ServerError(), 6).ToArray());

        var run = await CliRunner.RunAsync(_pipeline, "work", "--until-empty");

        Assert.Equal(ExitCodes.SomeJobsFailed, run.ExitCode);
        Assert.Contains("1 job failed", run.Stderr);
        var job = Assert.Single(await JobsAsync());
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("gave up after 2 attempts: server error: HTTP 503", job.LastError);
        Assert.Equal(1, (await _pipeline.Storage.PoisonQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(0, await QueuedAsync());
    }

    [Fact]
    public async Task Stopping_work_finishes_the_job_in_hand_and_loses_none()
    {
        await SubmitAsync("first.com", "second.com", "third.com");
        var gate = new TaskCompletionSource();
        _pipeline.Api.Script(SandboxDomainAnswer("first.com").HeldUntil(gate.Task));
        using var stopping = new CancellationTokenSource();

        var work = CliRunner.RunAsync(_pipeline, new Dictionary<string, string?>(), "", stopping.Token, "work", "--concurrency", "1");
        await _pipeline.Api.WaitForCallsAsync(1);
        stopping.Cancel();          // Ctrl-C while a call is in flight
        gate.SetResult();           // the API answers after the stop
        var run = await work;

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Stopped. Jobs not started are still queued.", run.Output);
        var jobs = await JobsAsync();
        Assert.Equal(1, jobs.Count(j => j.Status == JobStatus.Succeeded));
        Assert.Equal(2, jobs.Count(j => j.Status == JobStatus.Queued));
        Assert.Equal(2, await QueuedAsync());

        // Nothing was lost: a later run finishes the rest.
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(_pipeline, "work", "--until-empty")).ExitCode);
        Assert.All(await JobsAsync(), j => Assert.Equal(JobStatus.Succeeded, j.Status));
        Assert.Equal(3, _pipeline.Api.Calls.Count);
    }

    [Fact]
    public async Task Quitting_work_gives_the_job_in_hand_back_at_once_and_the_next_run_finishes_it()
    {
        await SubmitAsync("first.com", "second.com");
        var gate = new TaskCompletionSource();
        _pipeline.Api.Script(SandboxDomainAnswer("first.com").HeldUntil(gate.Task));
        using var stopping = new CancellationTokenSource();
        using var quitting = new CancellationTokenSource();

        var work = CliRunner.RunAsync(_pipeline, stopping.Token, quitting.Token, "work", "--concurrency", "1");
        await _pipeline.Api.WaitForCallsAsync(1);
        stopping.Cancel();          // Ctrl-C while a call is in flight
        quitting.Cancel();          // and again: quit now
        var run = await work.WaitAsync(TimeSpan.FromSeconds(30));
        gate.SetResult();

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Quit. The jobs in hand went back to the queue; the next run takes them up.", run.Stderr);
        // Both messages are visible now, the job in hand's included: none waits out its 10-minute lease.
        Assert.Equal(2, (await _pipeline.Storage.JobsQueue.PeekMessagesAsync(32)).Value.Length);
        // Its row says so: queued again, not running, so that cancel and status tell the truth.
        var dropped = Assert.Single(await JobsAsync(), j => j.Domain == _pipeline.Api.Calls[0]);
        Assert.Equal((JobStatus.Queued, "the worker quit before the answer came; the job runs again"), (dropped.Status, dropped.LastError));
        Assert.Equal(Backlinks.Operations.JobOperationOutcome.Done,
            (await _pipeline.Get<Backlinks.Operations.JobOperations>().CancelAsync(dropped.GetJobId(), CancellationToken.None)).Outcome);

        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(_pipeline, "work", "--until-empty")).ExitCode);
        Assert.Equal([JobStatus.Cancelled, JobStatus.Succeeded], (await JobsAsync()).Select(j => j.Status).Order());
        // The dropped call's credits were given back: only the call that stored an answer is on the ledger.
        Assert.Equal(3, await _pipeline.Get<Backlinks.Throttling.CreditLedger>().SpentAsync(DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Equal(0, await QueuedAsync());
    }

    [Fact]
    public async Task A_lookup_keeps_its_job_in_the_queue_while_it_runs_and_quitting_gives_it_to_a_worker_at_once()
    {
        var gate = new TaskCompletionSource();
        _pipeline.Api.Script(SandboxDomainAnswer("first.com").HeldUntil(gate.Task));
        using var stopping = new CancellationTokenSource();
        using var quitting = new CancellationTokenSource();

        var lookup = CliRunner.RunAsync(_pipeline, stopping.Token, quitting.Token, "lookup", "first.com");
        await _pipeline.Api.WaitForCallsAsync(1);
        // Held while the lookup runs it: a worker would take it up should this process die.
        Assert.Equal(1, await QueuedAsync());
        Assert.Empty((await _pipeline.Storage.JobsQueue.PeekMessagesAsync(32)).Value);
        stopping.Cancel();
        quitting.Cancel();
        var run = await lookup.WaitAsync(TimeSpan.FromSeconds(30));
        gate.SetResult();

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Matches("Quit. Job [0-9a-f-]+ went back to the queue: 'backlinks work --until-idle' finishes it.", run.Stderr);
        Assert.Single((await _pipeline.Storage.JobsQueue.PeekMessagesAsync(32)).Value);
        Assert.Equal(JobStatus.Queued, Assert.Single(await JobsAsync()).Status);
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(_pipeline, "work", "--until-empty")).ExitCode);
        Assert.Equal(JobStatus.Succeeded, Assert.Single(await JobsAsync()).Status);

        // A lookup that ends takes its message out of the queue.
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(_pipeline, "lookup", "second.com")).ExitCode);
        Assert.Equal(0, await QueuedAsync());
    }

    [Fact]
    public async Task Work_until_empty_does_not_wait_for_the_delayed_messages_of_cancelled_jobs()
    {
        await SubmitAsync("cancelled.com");
        _pipeline.Api.Script(SandboxAnswer.RateLimited("3600"));
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(_pipeline, "work", "--until-idle")).ExitCode);
        var job = Assert.Single(await JobsAsync());
        Assert.Equal(JobStatus.Waiting, job.Status);                     // its message is delayed for an hour
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(_pipeline, "cancel", job.JobId)).ExitCode);

        var run = await CliRunner.RunAsync(_pipeline, "work", "--until-empty").WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Empty: no job is left to run; the queue keeps 1 delayed message of cancelled or finished jobs", run.Stderr);
        Assert.Equal(1, await QueuedAsync());
        Assert.Single(_pipeline.Api.Calls);
    }

    [Fact]
    public async Task Work_until_empty_still_waits_while_a_job_is_open()
    {
        await SubmitAsync("open.com");
        _pipeline.Api.Script(SandboxAnswer.RateLimited("1"));

        var run = await CliRunner.RunAsync(_pipeline, "work", "--until-empty");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.DoesNotContain("Empty:", run.Stderr);
        Assert.Equal(JobStatus.Succeeded, Assert.Single(await JobsAsync()).Status);
        Assert.Equal(2, _pipeline.Api.Calls.Count);
    }

    [Fact]
    public async Task Lookup_fetches_now_prints_the_metrics_and_where_the_raw_json_is()
    {
        var run = await CliRunner.RunAsync(_pipeline, "lookup", "https://www.Example.com/");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("example.com", run.Output);
        Assert.Contains($"Raw JSON: {_pipeline.Storage.RawContainer.Name}/example.com/", run.Output);
        Assert.Equal(JobStatus.Succeeded, Assert.Single(await JobsAsync()).Status);
        Assert.Equal(0, await QueuedAsync()); // it ran here, not through the queue
    }

    [Fact]
    public async Task Lookup_that_is_rate_limited_exits_4_and_leaves_the_job_waiting_in_the_queue()
    {
        _pipeline.Api.Script(SandboxAnswer.RateLimited("60"));

        var run = await CliRunner.RunAsync(_pipeline, "lookup", "example.com");

        Assert.Equal(ExitCodes.NotFinished, run.ExitCode);
        Assert.Contains("Not finished: waiting (rate_limited)", run.Output);
        Assert.Equal(JobStatus.Waiting, Assert.Single(await JobsAsync()).Status);
        Assert.Equal(1, await QueuedAsync());
        Assert.Empty((await _pipeline.Storage.JobsQueue.PeekMessagesAsync()).Value); // delayed
    }

    [Fact]
    public async Task Lookup_with_a_rejected_key_is_one_line_and_exit_1()
    {
        var run = await CliRunner.RunAsync(_pipeline, new Dictionary<string, string?> { ["DomDetailer:ApiKey"] = "wrong-key" }, "", CancellationToken.None, "lookup", "example.com");

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Contains("error: DomDetailer rejected the API key", run.Output);
        Assert.DoesNotContain("wrong-key", run.Output);
    }

    [Fact]
    public async Task Work_with_a_rejected_key_stops_says_so_and_exits_1_leaving_the_jobs_waiting()
    {
        await SubmitAsync("a.com", "b.com", "c.com");

        var run = await CliRunner.RunAsync(_pipeline, new Dictionary<string, string?> { ["DomDetailer:ApiKey"] = "wrong-key" }, "", CancellationToken.None, "work", "--until-empty");

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Contains("DomDetailer rejected the API key", run.Output);
        Assert.DoesNotContain("wrong-key", run.Output);
        // Calls already in flight when the first 401 came back may be answered 401 too; none starts after it.
        var calls = _pipeline.Api.Calls.Count;
        Assert.InRange(calls, 1, 3);
        Assert.All(await JobsAsync(), j => Assert.NotEqual(JobStatus.Failed, j.Status));
        Assert.Equal(3, await QueuedAsync()); // every job keeps its message

        var again = await CliRunner.RunAsync(_pipeline, new Dictionary<string, string?> { ["DomDetailer:ApiKey"] = "wrong-key" }, "", CancellationToken.None, "work", "--until-empty");
        Assert.Equal(ExitCodes.Error, again.ExitCode);
        Assert.Equal(calls, _pipeline.Api.Calls.Count);

        // status names the pause for what it is (it said "out of credits").
        var status = await CliRunner.RunAsync(_pipeline, new Dictionary<string, string?> { ["DomDetailer:ApiKey"] = "wrong-key" }, "", CancellationToken.None, "status");
        Assert.Matches(@"Pause\s+│ API key rejected since \S+ \S+: every job waits until a working key is set", status.Output);
        Assert.DoesNotContain("out of credits", status.Output);
    }

    [Fact]
    public async Task Work_without_an_api_key_is_one_line_and_exit_1()
    {
        var run = await CliRunner.RunAsync(_pipeline, new Dictionary<string, string?> { ["DomDetailer:ApiKey"] = "" }, "", CancellationToken.None, "work", "--until-empty");

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.StartsWith("error: DomDetailer__ApiKey is not set", run.Output.Trim());
    }

    [Fact]
    public async Task Status_and_metrics_read_back_what_was_stored()
    {
        await CliRunner.RunAsync(_pipeline, "lookup", "example.com");
        await CliRunner.RunAsync(_pipeline, "lookup", "example.com", "--one-per-domain");
        var jobId = (await JobsAsync()).First().JobId;

        var status = await CliRunner.RunAsync(_pipeline, "status", jobId, "--json");
        Assert.Equal(ExitCodes.Ok, status.ExitCode);
        Assert.Equal("succeeded", JsonDocument.Parse(status.Output).RootElement.GetProperty("status").GetString());

        var statusTable = await CliRunner.RunAsync(_pipeline, "status", jobId);
        Assert.Contains("succeeded", statusTable.Output);

        var history = await CliRunner.RunAsync(_pipeline, "metrics", "WWW.example.com", "--history", "--json");
        Assert.Equal(2, JsonDocument.Parse(history.Output).RootElement.GetArrayLength());

        var all = await CliRunner.RunAsync(_pipeline, "metrics");
        Assert.Contains("example.com", all.Output);

        var app = await CliRunner.RunAsync(_pipeline, "status");
        Assert.Equal(ExitCodes.Ok, app.ExitCode);
        Assert.Contains("succeeded 2", app.Output);
        Assert.Contains("Credits today │ 6 (no daily budget)", app.Output);
    }

    [Theory]
    [InlineData("status", "0193b1d2-7a00-7000-8000-000000000000", "no job has the id", "", "job_not_found")]
    [InlineData("cancel", "0193b1d2-7a00-7000-8000-000000000000", "no job has the id", "", "job_not_found")]
    [InlineData("retry", "0193b1d2-7a00-7000-8000-000000000000", "no job has the id", "", "job_not_found")]
    [InlineData("status", "12345", "is not a job id", " See 'backlinks status --help'.", "usage")]
    [InlineData("metrics", "never-fetched.com", "no metrics are stored for never-fetched.com", "", "metrics_not_found")]
    [InlineData("metrics", "localhost", "is not a valid domain", " See 'backlinks metrics --help'.", "usage")]
    [InlineData("lookup", "localhost", "is not a valid domain", " See 'backlinks lookup --help'.", "usage")]
    public async Task Read_errors_are_one_line_and_exit_1_and_a_bad_argument_hints_at_help(string command, string argument, string message, string hint, string code)
    {
        var run = await CliRunner.RunAsync(_pipeline, command, argument);
        var json = await CliRunner.RunAsync(_pipeline, command, argument, "--json");

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        var line = Assert.Single(run.Output.Trim().Split('\n'));
        Assert.StartsWith("error:", line);
        Assert.Contains(message, line);
        // A bad argument is a usage error; a well-formed one that names nothing stored is not.
        if (hint.Length > 0)
        {
            Assert.EndsWith(hint, line);
        }
        else
        {
            Assert.DoesNotContain("--help", line);
        }
        // With --json, the error document carries the HTTP API's code for the same condition.
        Assert.Equal(ExitCodes.Error, json.ExitCode);
        Assert.Equal(code, JsonDocument.Parse(json.Stdout).RootElement.GetProperty("error").GetString());
    }

    private static SandboxAnswer SandboxDomainAnswer(string domain) => SandboxApi.Synthetic(domain);
}
