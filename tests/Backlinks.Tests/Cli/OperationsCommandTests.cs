using System.Text.Json;
using Backlinks.Cli.Hosting;
using Backlinks.Jobs;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Cli;

/// <summary>jobs, retry, cancel and resume, run in-process against Azurite and the fake API.</summary>
public sealed class OperationsCommandTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite);

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private static readonly Dictionary<string, string?> NoApiKey = new() { ["DomDetailer:ApiKey"] = "" };

    // The CLI runs on the system clock: jobs are created now, so that the default window (7 days) sees them.
    private async Task<JobId> JobAsync(string domain, Action<JobEntity>? change = null)
    {
        var now = DateTimeOffset.UtcNow;
        var id = JobId.New(now);
        var row = JobEntity.NewQueued(id, domain, onePerDomain: false, force: false, now);
        change?.Invoke(row);
        Assert.True(await _pipeline.Get<JobStore>().TryAddAsync(row, CancellationToken.None));
        return id;
    }

    private Task<JobId> FailedJobAsync(string domain) => JobAsync(domain, j => j.MarkFailed("the API refused the request", DateTimeOffset.UtcNow));

    private async Task<JobEntity> RowAsync(JobId id) => (await _pipeline.Get<JobStore>().GetAsync(id, CancellationToken.None))!;

    [Fact]
    public async Task Jobs_lists_as_a_table_json_and_csv_without_an_api_key()
    {
        var failed = await FailedJobAsync("failing.com");
        var queued = await JobAsync("queued.com");

        var table = await CliRunner.RunAsync(_pipeline, NoApiKey, "", CancellationToken.None, "jobs");
        var json = await CliRunner.RunAsync(_pipeline, NoApiKey, "", CancellationToken.None, "jobs", "--status", "failed", "--json");
        var csv = await CliRunner.RunAsync(_pipeline, NoApiKey, "", CancellationToken.None, "jobs", "--domain", "QUEUED.com", "--csv");

        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok, ExitCodes.Ok), (table.ExitCode, json.ExitCode, csv.ExitCode));
        Assert.Contains(queued.ToString(), table.Output);
        Assert.True(table.Output.IndexOf(queued.ToString(), StringComparison.Ordinal) < table.Output.IndexOf(failed.ToString(), StringComparison.Ordinal));
        Assert.Contains("2 jobs since", table.Output);
        var jobs = JsonDocument.Parse(json.Output).RootElement.GetProperty("jobs");
        Assert.Equal(failed.ToString(), Assert.Single(jobs.EnumerateArray()).GetProperty("jobId").GetString());
        var lines = csv.Output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("jobId,domain,status,attempts,retries,force,createdAtUtc,updatedAtUtc,completedAtUtc,waitReason,nextAttemptAtUtc,lastError,servedFromCache", lines[0]);
        Assert.StartsWith($"{queued},queued.com,queued,0,0,false,", Assert.Single(lines.Skip(1)));
    }

    [Theory]
    [InlineData("--status", "done", "status must be one of queued, running, waiting, succeeded, failed, cancelled.")]
    [InlineData("--since", "yesterday", "since must be a date")]
    [InlineData("--domain", "localhost", "'localhost' is not a valid domain")]
    [InlineData("--limit", "0", "the limit must be a whole number from 1 to 1000.")]
    public async Task Jobs_with_a_bad_filter_is_one_line_and_exit_1(string option, string value, string message)
    {
        var run = await CliRunner.RunAsync(_pipeline, "jobs", option, value);
        var json = await CliRunner.RunAsync(_pipeline, "jobs", option, value, "--json");

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.StartsWith($"error: {message}", run.Stderr.Trim());
        Assert.EndsWith("See 'backlinks jobs --help'.", Assert.Single(run.Stderr.Trim().Split('\n')));
        Assert.Equal("usage", JsonDocument.Parse(json.Stdout).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Retry_requeues_a_failed_job_and_refuses_others_in_one_line()
    {
        var failed = await FailedJobAsync("failing.com");
        var queued = await JobAsync("queued.com");

        var ok = await CliRunner.RunAsync(_pipeline, "retry", failed.ToString());
        var notFailed = await CliRunner.RunAsync(_pipeline, "retry", queued.ToString());
        var unknown = await CliRunner.RunAsync(_pipeline, "retry", JobId.New(DateTimeOffset.UtcNow).ToString());
        var badId = await CliRunner.RunAsync(_pipeline, "retry", "12345");

        Assert.Equal(ExitCodes.Ok, ok.ExitCode);
        Assert.Equal($"Job {failed} is queued again (retry 1).", ok.Output.Trim());
        Assert.Equal((JobStatus.Queued, 1), ((await RowAsync(failed)).Status, (await RowAsync(failed)).Retries));
        Assert.Equal(ExitCodes.Error, notFailed.ExitCode);
        Assert.Equal($"error: job {queued} is queued and cannot be retried: only a failed job can be retried.", notFailed.Output.Trim());
        Assert.Equal(ExitCodes.Error, unknown.ExitCode);
        Assert.StartsWith("error: no job has the id", unknown.Output.Trim());
        Assert.Equal(ExitCodes.Error, badId.ExitCode);
        Assert.Contains("is not a job id", badId.Output);
    }

    [Fact]
    public async Task Retry_failed_requeues_every_failed_job_and_poisoned_message()
    {
        var failed = await FailedJobAsync("failing.com");
        var poisoned = await JobAsync("poisoned.com");
        await _pipeline.Storage.PoisonQueue.SendMessageAsync(JobMessage.For(await RowAsync(poisoned)).ToJson());

        var run = await CliRunner.RunAsync(_pipeline, "retry", "--failed", "--json");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var result = JsonDocument.Parse(run.Output).RootElement;
        Assert.Equal([failed.ToString(), poisoned.ToString()], result.GetProperty("retried").EnumerateArray().Select(j => j.GetProperty("jobId").GetString()).Order());
        Assert.Equal(1, result.GetProperty("poisonMessagesRemoved").GetInt32());
        Assert.Equal(0, (await _pipeline.Storage.PoisonQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(2, (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Retry_needs_a_job_id_or_failed_but_not_both()
    {
        var neither = await CliRunner.RunAsync(_pipeline, "retry");
        var both = await CliRunner.RunAsync(_pipeline, "retry", JobId.New(DateTimeOffset.UtcNow).ToString(), "--failed");

        Assert.NotEqual(ExitCodes.Ok, neither.ExitCode);
        Assert.Contains("give a JOBID or --failed", neither.Output);
        Assert.NotEqual(ExitCodes.Ok, both.ExitCode);
    }

    [Fact]
    public async Task Cancel_then_work_drops_the_message_without_a_call_and_status_counts_it()
    {
        var submit = await CliRunner.RunAsync(_pipeline, new Dictionary<string, string?>(), "unwanted.com", CancellationToken.None, "submit", "-", "--json");
        var id = JsonDocument.Parse(submit.Output).RootElement.GetProperty("accepted")[0].GetProperty("jobId").GetString()!;

        var cancel = await CliRunner.RunAsync(_pipeline, "cancel", id);
        var again = await CliRunner.RunAsync(_pipeline, "cancel", id);
        var work = await CliRunner.RunAsync(_pipeline, "work", "--until-empty");
        var status = await CliRunner.RunAsync(_pipeline, "status", id, "--json");
        var app = await CliRunner.RunAsync(_pipeline, "status");

        Assert.Equal(ExitCodes.Ok, cancel.ExitCode);
        Assert.Equal($"Job {id} is cancelled; its queue message is dropped when it arrives.", cancel.Output.Trim());
        Assert.Equal(ExitCodes.Error, again.ExitCode);
        Assert.Contains("is cancelled and cannot be cancelled", again.Output);
        Assert.Equal(ExitCodes.Ok, work.ExitCode);
        Assert.Contains("Cancelled: 1 message of a cancelled job was dropped without a call.", work.Output);
        Assert.Matches(@"│\s+0 │\s+0 │\s+0 │\s+0 │\s+0 │\s+0 │\s+1 │", work.Stdout); // ... skipped, credits spent, cancelled
        Assert.Empty(_pipeline.Api.Calls);
        Assert.Equal("cancelled", JsonDocument.Parse(status.Output).RootElement.GetProperty("status").GetString());
        Assert.Contains("cancelled 1", app.Output);
    }

    [Fact]
    public async Task Resume_says_not_paused_refuses_while_empty_with_the_balance_and_ends_the_pause_after_a_top_up()
    {
        var idle = await CliRunner.RunAsync(_pipeline, "resume");
        _pipeline.Api.Credits = 0;
        var lookup = await CliRunner.RunAsync(_pipeline, "lookup", "a.com");
        var empty = await CliRunner.RunAsync(_pipeline, "resume");
        _pipeline.Api.Credits = 300;
        var resumed = await CliRunner.RunAsync(_pipeline, "resume");

        Assert.Equal((ExitCodes.Ok, "The app is not paused: nothing to resume."), (idle.ExitCode, idle.Output.Trim()));
        Assert.Equal(ExitCodes.NotFinished, lookup.ExitCode);
        Assert.Equal(ExitCodes.Error, empty.ExitCode);
        Assert.StartsWith("error: still out of credits: the balance is 0 credits and a call needs 3.", empty.Output.Trim());
        Assert.Equal(ExitCodes.Ok, resumed.ExitCode);
        Assert.StartsWith("The balance is 300 credits: the pause is over", resumed.Output.Trim());
        Assert.Contains("Pause         │ none", (await CliRunner.RunAsync(_pipeline, "status")).Output);
    }

    [Fact]
    public async Task Status_of_a_job_served_from_the_cache_says_so()
    {
        await CliRunner.RunAsync(_pipeline, "lookup", "example.com");
        var second = await CliRunner.RunAsync(_pipeline, "lookup", "example.com", "--json");
        var id = JsonDocument.Parse(second.Output).RootElement.GetProperty("jobId").GetString()!;

        var json = JsonDocument.Parse((await CliRunner.RunAsync(_pipeline, "status", id, "--json")).Output).RootElement;
        var table = await CliRunner.RunAsync(_pipeline, "status", id);

        Assert.True(json.GetProperty("servedFromCache").GetBoolean());
        Assert.Contains("Served from cache │ yes: the snapshot of job", table.Output);
        Assert.Single(_pipeline.Api.Calls);
    }
}
