using System.Text;
using System.Text.Json;
using Backlinks.Cli.Hosting;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Cli;

/// <summary>The operator's commands as a process: jobs, cancel, retry and resume.</summary>
public sealed class CliProcessOperationsTests(AzuriteFixture azurite) : CliProcessTestBase(azurite)
{
    [Fact]
    public async Task Jobs_cancel_retry_and_resume_as_a_process_keep_results_on_stdout_and_one_line_errors_on_stderr()
    {
        var submit = await RunAsync(Encoding.UTF8.GetBytes("keep.com\nunwanted.com\n"), "submit", "-", "--json");
        var ids = JsonDocument.Parse(submit.Stdout).RootElement.GetProperty("accepted").EnumerateArray()
            .ToDictionary(a => a.GetProperty("domain").GetString()!, a => a.GetProperty("jobId").GetString()!);
        var withoutKey = SettingsWithoutKey();

        var listed = await CliProcess.RunAsync(withoutKey, [], "jobs", "--json");
        // Cancelling and retrying are storage operations: they need no API key.
        var cancel = await CliProcess.RunAsync(withoutKey, [], "cancel", ids["unwanted.com"]);
        var cancelAgain = await RunAsync([], "cancel", ids["unwanted.com"]);
        var cancelAgainJson = await RunAsync([], "cancel", ids["unwanted.com"], "--json");
        var retryQueued = await CliProcess.RunAsync(withoutKey, [], "retry", ids["keep.com"], "--json");
        var resume = await RunAsync([], "resume");
        var cancelled = await CliProcess.RunAsync(withoutKey, [], "jobs", "--status", "cancelled", "--csv");

        Assert.Equal(ExitCodes.Ok, listed.ExitCode);
        Assert.Equal(ids.Values.Order(), JsonDocument.Parse(listed.Stdout).RootElement.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("jobId").GetString()).Order());
        Assert.Equal((ExitCodes.Ok, $"Job {ids["unwanted.com"]} is cancelled; its queue message is dropped when it arrives.", ""),
            (cancel.ExitCode, cancel.Stdout.Trim(), cancel.Stderr));
        Assert.Equal((ExitCodes.Error, ""), (cancelAgain.ExitCode, cancelAgain.Stdout));
        Assert.Matches(@"\Aerror: job [0-9a-f-]{36} is cancelled and cannot be cancelled[^\n]*\n?\z", cancelAgain.Stderr);
        Assert.Equal("job_not_cancellable", JsonDocument.Parse(cancelAgainJson.Stdout).RootElement.GetProperty("error").GetString());
        Assert.Equal(ExitCodes.Error, retryQueued.ExitCode);
        Assert.Equal("job_not_failed", JsonDocument.Parse(retryQueued.Stdout).RootElement.GetProperty("error").GetString());
        Assert.Single(retryQueued.Stderr.Trim().Split('\n'));
        Assert.Equal((ExitCodes.Ok, "The app is not paused: nothing to resume."), (resume.ExitCode, resume.Stdout.Trim()));
        Assert.Equal(ExitCodes.Ok, cancelled.ExitCode);
        var rows = cancelled.Stdout.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("jobId,domain,status,", rows[0]);
        Assert.StartsWith($"{ids["unwanted.com"]},unwanted.com,cancelled,", Assert.Single(rows.Skip(1)));
    }
}
