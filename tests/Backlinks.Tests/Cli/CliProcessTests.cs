using System.Text;
using System.Text.Json;
using Backlinks.Cli.Hosting;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Cli;

/// <summary>
/// The built tool as a process, as scripts and service managers run it: exit codes, which stream gets
/// what, stdin against a file, --json parsed from the real stdout, unwrapped piped output, and signals.
/// </summary>
public sealed class CliProcessTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;
    private readonly string _folder = Directory.CreateTempSubdirectory("backlinks-cli-").FullName;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["Queue:PollInterval"] = "00:00:00.100",
    });

    public async Task DisposeAsync()
    {
        await _pipeline.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private Task<CliRun> RunAsync(byte[] stdin, params string[] args) => CliProcess.RunAsync(_pipeline.Settings, stdin, args);

    /// <summary>The pipeline's settings with no API key, for the commands that must not need one.</summary>
    private Dictionary<string, string?> SettingsWithoutKey()
    {
        var settings = new Dictionary<string, string?>(_pipeline.Settings);
        settings.Remove("DomDetailer:ApiKey");
        return settings;
    }

    private async Task<int> QueuedAsync() => (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    [Fact]
    public async Task A_usage_error_is_one_line_on_stderr_and_exit_1()
    {
        var run = await RunAsync([], "frobnicate");

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Equal("error: Unknown command 'frobnicate'. See 'backlinks --help'.", run.Stderr.Trim());
    }

    [Fact]
    public async Task Unreachable_storage_with_json_is_one_line_on_stderr_and_one_document_on_stdout()
    {
        var settings = new Dictionary<string, string?>(_pipeline.Settings)
        {
            // Port 1 on loopback: nothing listens there.
            ["AzureWebJobsStorage"] = System.Text.RegularExpressions.Regex.Replace(_pipeline.Settings["AzureWebJobsStorage"]!, @"127\.0\.0\.1:\d+", "127.0.0.1:1"),
        };

        var run = await CliProcess.RunAsync(settings, [], "status", "--json");

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Equal("storage_unreachable", JsonDocument.Parse(run.Stdout).RootElement.GetProperty("error").GetString());
        Assert.Equal("error: cannot reach the storage account in AzureWebJobsStorage: check the setting and the network.", run.Stderr.Trim());
    }

    [Fact]
    public async Task Csv_on_stdin_and_the_same_file_queue_the_same_domains_and_piped_output_is_not_wrapped()
    {
        var longDomain = new string('a', 60) + ".example.com";
        var csv = $"client,domain\nAcme,acme.com\nLong,{longDomain}\n";
        var file = Path.Combine(_folder, "clients.txt");
        await File.WriteAllTextAsync(file, csv);

        var fromStdin = await RunAsync(Encoding.UTF8.GetBytes(csv), "submit", "-");
        var fromFile = await RunAsync([], "submit", file, "--json");

        Assert.Equal(ExitCodes.Ok, fromStdin.ExitCode);
        Assert.Contains("Accepted 2 · duplicates 0 · rejected 0", fromStdin.Stdout);
        // The table row keeps the long domain and its job id on one line, though it is far wider than 80 columns.
        Assert.Matches($@"│ {longDomain}\s+│ [0-9a-f-]{{36}} │", fromStdin.Stdout);
        Assert.Contains("backlinks work", fromStdin.Stderr);
        Assert.Equal(ExitCodes.Ok, fromFile.ExitCode);
        Assert.Equal(
            ["acme.com", longDomain],
            JsonDocument.Parse(fromFile.Stdout).RootElement.GetProperty("accepted").EnumerateArray().Select(a => a.GetProperty("domain").GetString()));
        Assert.Equal(4, await QueuedAsync());
    }

    [Fact]
    public async Task Sigterm_stops_the_sandbox_at_once()
    {
        await using var sandbox = CliProcess.Start(_pipeline.Settings, "sandbox", "--port", "0");
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
        _pipeline.Api.Script(SandboxApi.Synthetic("site1.com").HeldUntil(firstAnswer.Task));

        await using var work = CliProcess.Start(_pipeline.Settings, "work", "--concurrency", "1");
        await _pipeline.Api.WaitForCallsAsync(1).WaitAsync(TimeSpan.FromSeconds(60));
        work.Signal("TERM");
        await work.WaitForStderrAsync("Stopping after the jobs in hand", TimeSpan.FromSeconds(20));
        firstAnswer.SetResult();
        var run = await work.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Stopped. Jobs not started are still queued.", run.Stderr);
        Assert.Matches(@"│\s+1 │\s+0 │\s+0 │", run.Stdout);
        // The job in hand finished; the fetched, unstarted messages are visible again at once, not after their lease.
        Assert.Equal(19, await QueuedAsync());
        var visible = await _pipeline.Storage.JobsQueue.PeekMessagesAsync(32);
        Assert.Equal(19, visible.Value.Length);
    }
    [Fact]
    public async Task Jobs_cancel_retry_and_resume_as_a_process_keep_results_on_stdout_and_one_line_errors_on_stderr()
    {
        var submit = await RunAsync(Encoding.UTF8.GetBytes("keep.com\nunwanted.com\n"), "submit", "-", "--json");
        var ids = JsonDocument.Parse(submit.Stdout).RootElement.GetProperty("accepted").EnumerateArray()
            .ToDictionary(a => a.GetProperty("domain").GetString()!, a => a.GetProperty("jobId").GetString()!);
        var withoutKey = SettingsWithoutKey();

        var listed = await CliProcess.RunAsync(withoutKey, [], "jobs", "--json");
        var cancel = await RunAsync([], "cancel", ids["unwanted.com"]);
        var cancelAgain = await RunAsync([], "cancel", ids["unwanted.com"]);
        var retryQueued = await RunAsync([], "retry", ids["keep.com"], "--json");
        var resume = await RunAsync([], "resume");
        var cancelled = await CliProcess.RunAsync(withoutKey, [], "jobs", "--status", "cancelled", "--csv");

        Assert.Equal(ExitCodes.Ok, listed.ExitCode);
        Assert.Equal(ids.Values.Order(), JsonDocument.Parse(listed.Stdout).RootElement.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("jobId").GetString()).Order());
        Assert.Equal((ExitCodes.Ok, $"Job {ids["unwanted.com"]} is cancelled; its queue message is dropped when it arrives.", ""),
            (cancel.ExitCode, cancel.Stdout.Trim(), cancel.Stderr));
        Assert.Equal((ExitCodes.Error, ""), (cancelAgain.ExitCode, cancelAgain.Stdout));
        Assert.Matches(@"\Aerror: job [0-9a-f-]{36} is cancelled and cannot be cancelled[^\n]*\n?\z", cancelAgain.Stderr);
        Assert.Equal(ExitCodes.Error, retryQueued.ExitCode);
        Assert.NotEmpty(JsonDocument.Parse(retryQueued.Stdout).RootElement.GetProperty("error").GetString()!);
        Assert.Single(retryQueued.Stderr.Trim().Split('\n'));
        Assert.Equal((ExitCodes.Ok, "The app is not paused: nothing to resume."), (resume.ExitCode, resume.Stdout.Trim()));
        Assert.Equal(ExitCodes.Ok, cancelled.ExitCode);
        var rows = cancelled.Stdout.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("jobId,domain,status,", rows[0]);
        Assert.StartsWith($"{ids["unwanted.com"]},unwanted.com,cancelled,", Assert.Single(rows.Skip(1)));
    }

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

    [Fact]
    public async Task Verbose_adds_information_logs_on_stderr_and_leaves_stdout_alone()
    {
        Assert.Equal(ExitCodes.Ok, (await RunAsync(Encoding.UTF8.GetBytes("one.com\ntwo.com\n"), "submit", "-")).ExitCode);

        var quiet = await RunAsync([], "work", "--until-idle", "--concurrency", "1");
        await RunAsync(Encoding.UTF8.GetBytes("three.com\n"), "submit", "-");
        var verbose = await RunAsync([], "work", "--until-idle", "-v");

        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok), (quiet.ExitCode, verbose.ExitCode));
        Assert.DoesNotContain("info:", quiet.Stderr);
        Assert.Matches(@"info: Backlinks\.Jobs\.JobProcessor\[\d+\] Job [0-9a-f-]{36} \(three\.com\) succeeded", verbose.Stderr);
        Assert.DoesNotContain("info:", verbose.Stdout);
        Assert.Matches(@"│\s+1 │\s+0 │\s+0 │", verbose.Stdout);
    }
}
