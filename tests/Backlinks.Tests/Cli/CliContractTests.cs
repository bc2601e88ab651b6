using System.Text;
using System.Text.Json;
using Backlinks.Cli;
using Backlinks.Cli.Hosting;
using Backlinks.Tests.Infrastructure;
using Spectre.Console.Testing;
using Microsoft.Extensions.Configuration;

namespace Backlinks.Tests.Cli;

/// <summary>
/// The output contract against storage: which stream gets what, stdin treated exactly as a file, what
/// needs no API key, exit code 5, --until-idle, and human output that names duplicates.
/// </summary>
public sealed class CliContractTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private static readonly Dictionary<string, string?> FastQueue = new()
    {
        ["Queue:PollInterval"] = "00:00:00.100",
        ["Queue:VisibilityTimeout"] = "00:00:00",
        ["Queue:MaxDequeueCount"] = "1",
    };

    private TestPipeline _pipeline = null!;
    private readonly string _folder = Directory.CreateTempSubdirectory("backlinks-cli-").FullName;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite, FastQueue);

    public async Task DisposeAsync()
    {
        await _pipeline.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private Task<CliRun> RunAsync(byte[] stdin, params string[] args) =>
        CliRunner.RunAsync(_pipeline.Settings, new Dictionary<string, string?>(), stdin, CancellationToken.None, args);

    private async Task<int> QueuedAsync() => (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    [Fact]
    public async Task Csv_on_stdin_is_read_as_csv_and_answers_as_the_same_file_does()
    {
        const string csv = "client,domain\nAcme,acme.com\nGlobex,globex.net\nInitech,initech.org\n";
        var file = Path.Combine(_folder, "clients.txt");
        await File.WriteAllTextAsync(file, csv);

        var fromStdin = await RunAsync(Encoding.UTF8.GetBytes(csv), "submit", "-", "--json");
        var fromFile = await RunAsync([], "submit", file, "--json");

        Assert.Equal(ExitCodes.Ok, fromStdin.ExitCode);
        Assert.Equal(3, JsonDocument.Parse(fromStdin.Stdout).RootElement.GetProperty("accepted").GetArrayLength());
        // The file's jobs are duplicates of nothing (a new submission), so both accept the same three domains.
        Assert.Equal(ExitCodes.Ok, fromFile.ExitCode);
        Assert.Equal(3, JsonDocument.Parse(fromFile.Stdout).RootElement.GetProperty("accepted").GetArrayLength());
    }

    [Fact]
    public async Task Format_text_forces_lines_even_when_the_content_looks_like_csv()
    {
        var run = await RunAsync(Encoding.UTF8.GetBytes("domain\nacme.com\n"), "submit", "-", "--format", "text");

        Assert.Equal(ExitCodes.SomeRejected, run.ExitCode);
        Assert.Contains("rejected 1", run.Stdout);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'a', (byte)'.', (byte)'c', (byte)'o', (byte)'m', 0xC3, 0x28, (byte)'\n' })]
    [InlineData(new byte[] { 0xFF, 0xFE, (byte)'a', 0, (byte)'.', 0, (byte)'c', 0, (byte)'o', 0, (byte)'m', 0 })]
    [InlineData(new byte[] { (byte)'a', 0, (byte)'.', 0, (byte)'c', 0, (byte)'o', 0, (byte)'m', 0, (byte)'\n', 0 })] // UTF-16 without a BOM
    public async Task Stdin_that_is_not_utf8_is_refused_as_a_file_is(byte[] body)
    {
        var file = Path.Combine(_folder, "bad.txt");
        await File.WriteAllBytesAsync(file, body);

        var fromStdin = await RunAsync(body, "submit", "-");
        var fromFile = await RunAsync([], "submit", file);
        var watched = await RunAsync(body, "watch", "add", "-", "--json");

        Assert.Equal(ExitCodes.NothingSubmitted, fromStdin.ExitCode);
        Assert.StartsWith("error: The input is not valid UTF-8 text", fromStdin.Stderr.Trim());
        Assert.Equal(fromFile.Stderr, fromStdin.Stderr);
        Assert.Equal(0, await QueuedAsync());
        // watch add reads input as submit does, and refuses it alike.
        Assert.Equal((ExitCodes.NothingSubmitted, fromStdin.Stderr), (watched.ExitCode, watched.Stderr));
        Assert.Equal("invalid_encoding", System.Text.Json.JsonDocument.Parse(watched.Stdout).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Stdin_over_the_limit_is_refused_while_reading_not_after_reading_it_all()
    {
        using var endless = new EndlessDomains();
        var stdout = new TestConsole();
        var stderr = new TestConsole();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(_pipeline.Settings).Build();

        var exit = await BacklinksApp.RunAsync(["submit", "-"], new CliStreams(stdout, stderr, endless), configuration, CancellationToken.None);

        Assert.Equal(ExitCodes.NothingSubmitted, exit);
        Assert.Contains("larger than 1048576 bytes", stderr.Output);
        Assert.InRange(endless.Served, Backlinks.Submissions.SubmissionLimits.MaxBodyBytes, Backlinks.Submissions.SubmissionLimits.MaxBodyBytes + 1024 * 1024);
        Assert.Equal(0, await QueuedAsync());
    }

    [Fact]
    public async Task Submit_lists_the_duplicate_lines_and_results_go_to_stdout_hints_to_stderr()
    {
        var run = await RunAsync(Encoding.UTF8.GetBytes("example.com\nother.org\nhttps://WWW.example.com/x\n"), "submit", "-");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Accepted 2 · duplicates 1 · rejected 0", run.Stdout);
        Assert.Matches(@"│\s+3 │ https://WWW\.example\.com/x\s+│ example\.com", run.Stdout);
        Assert.Contains("backlinks work", run.Stderr);
        Assert.DoesNotContain("backlinks work", run.Stdout);
    }

    [Fact]
    public async Task Escape_sequences_in_submitted_lines_are_printed_escaped()
    {
        var run = await RunAsync(Encoding.UTF8.GetBytes("\u001b]0;owned\u0007bad\n\u001b[2Jworse\nexample.com\n"), "submit", "-");

        Assert.Equal(ExitCodes.SomeRejected, run.ExitCode);
        Assert.DoesNotContain('\u001b', run.Output);
        Assert.DoesNotContain('\u0007', run.Output);
        Assert.Contains(@"\x1b]0;owned\x07bad", run.Stdout);
        Assert.Contains(@"\x1b[2Jworse", run.Stdout);
    }

    [Fact]
    public async Task With_json_and_the_sandbox_stdout_is_exactly_one_json_document()
    {
        var run = await RunAsync([], "lookup", "example.com", "--sandbox", "--json");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal("succeeded", JsonDocument.Parse(run.Stdout).RootElement.GetProperty("status").GetString());
        Assert.Contains("Sandbox:", run.Stderr);
    }

    [Fact]
    public async Task Status_and_metrics_need_no_api_key_and_status_shows_the_account_without_the_key()
    {
        var withKey = await RunAsync([], "status", "--json");
        var account = JsonDocument.Parse(withKey.Stdout).RootElement.GetProperty("account");
        Assert.Matches("^acct-[0-9a-f]{16}$", account.GetProperty("id").GetString());
        Assert.Equal(new Uri(_pipeline.Settings["DomDetailer:BaseUrl"]!).Authority, account.GetProperty("host").GetString());
        Assert.DoesNotContain(_pipeline.Settings["DomDetailer:ApiKey"]!, withKey.Output);

        var noKey = new Dictionary<string, string?> { ["DomDetailer:ApiKey"] = "" };
        var status = await CliRunner.RunAsync(_pipeline.Settings, noKey, [], CancellationToken.None, "status");
        var metrics = await CliRunner.RunAsync(_pipeline.Settings, noKey, [], CancellationToken.None, "metrics", "--json");

        Assert.Equal(ExitCodes.Ok, status.ExitCode);
        Assert.Contains("API account", status.Stdout);
        Assert.Contains("DomDetailer__ApiKey is not set", status.Stdout);
        Assert.Equal(ExitCodes.Ok, metrics.ExitCode);
        Assert.Equal(0, JsonDocument.Parse(metrics.Stdout).RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Cancel_and_retry_need_no_api_key()
    {
        var failing = await RunAsync(Encoding.UTF8.GetBytes("invalid.example.com\n"), "submit", "-", "--json");
        await RunAsync([], "work", "--until-empty", "--sandbox");
        var queued = await RunAsync(Encoding.UTF8.GetBytes("later.com\n"), "submit", "-", "--json");
        string JobId(CliRun run) => JsonDocument.Parse(run.Stdout).RootElement.GetProperty("accepted")[0].GetProperty("jobId").GetString()!;
        var noKey = new Dictionary<string, string?> { ["DomDetailer:ApiKey"] = "" };

        var retry = await CliRunner.RunAsync(_pipeline.Settings, noKey, [], CancellationToken.None, "retry", JobId(failing));
        var retryFailed = await CliRunner.RunAsync(_pipeline.Settings, noKey, [], CancellationToken.None, "retry", "--failed", "--json");
        var cancel = await CliRunner.RunAsync(_pipeline.Settings, noKey, [], CancellationToken.None, "cancel", JobId(queued));

        Assert.Equal((ExitCodes.Ok, ""), (retry.ExitCode, retry.Stderr));
        Assert.Contains("is queued again (retry 1)", retry.Stdout);
        Assert.Equal((ExitCodes.Ok, ""), (retryFailed.ExitCode, retryFailed.Stderr));
        Assert.Equal(0, JsonDocument.Parse(retryFailed.Stdout).RootElement.GetProperty("retried").GetArrayLength());
        Assert.Equal((ExitCodes.Ok, ""), (cancel.ExitCode, cancel.Stderr));
        Assert.Contains("is cancelled", cancel.Stdout);
    }

    [Fact]
    public async Task Work_exits_5_when_some_jobs_it_ran_failed()
    {
        await RunAsync(Encoding.UTF8.GetBytes("good.com\ninvalid.example.com\n"), "submit", "-");

        var run = await RunAsync([], "work", "--until-empty", "--sandbox");

        Assert.Equal(ExitCodes.SomeJobsFailed, run.ExitCode);
        Assert.Matches(@"│\s+1 │\s+0 │\s+1 │", run.Stdout);
        Assert.Contains("1 job failed", run.Stderr);
    }

    [Fact]
    public async Task Work_until_idle_stops_when_only_delayed_messages_are_left_and_says_when_the_next_is_due()
    {
        await RunAsync(Encoding.UTF8.GetBytes("good.com\nnocredits.example.com\n"), "submit", "-");

        var run = await RunAsync([], "work", "--until-idle", "--sandbox").WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        // One succeeded, one waits out the out-of-credits pause (15 min by default): it is left queued, not waited on.
        Assert.Matches(@"│\s+1 │\s+1 │\s+0 │", run.Stdout);
        Assert.Matches(@"Idle: 1 message delayed \(1 out of credits \(out_of_credits\)\); the next is due at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", run.Stderr);
        Assert.Equal(1, await QueuedAsync());
    }

    [Fact]
    public async Task A_lookup_served_from_the_cache_says_so_and_names_the_snapshot_and_history_shows_the_time()
    {
        var first = await RunAsync([], "lookup", "example.com");
        var firstJob = System.Text.RegularExpressions.Regex.Match(first.Stdout, "Job: ([0-9a-f-]{36})").Groups[1].Value;

        var second = await RunAsync([], "lookup", "example.com");
        var secondJob = System.Text.RegularExpressions.Regex.Match(second.Stdout, "Job: ([0-9a-f-]{36})").Groups[1].Value;
        var status = await RunAsync([], "status", secondJob);
        var history = await RunAsync([], "metrics", "example.com", "--history");

        Assert.DoesNotContain("Served from the cache", first.Stdout);
        Assert.Contains($"Served from the cache: the snapshot of job {firstJob}, fetched ", second.Stdout);
        Assert.Single(_pipeline.Api.Calls);
        Assert.Contains($"Served from cache │ yes: the snapshot of job {firstJob}", status.Stdout);
        Assert.Matches(@"│ example\.com │ \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ │", history.Stdout);
    }

    /// <summary>A stdin that never ends: counts what the reader took.</summary>
    [Fact]
    public async Task A_stop_while_stdin_stays_open_ends_submit_at_once()
    {
        using var silent = new SilentInput();
        using var stopping = new CancellationTokenSource();
        var stdout = new TestConsole();
        var stderr = new TestConsole();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(_pipeline.Settings).Build();

        var run = BacklinksApp.RunAsync(["submit", "-"], new CliStreams(stdout, stderr, silent), configuration, stopping.Token);
        await silent.Reading.WaitAsync(TimeSpan.FromSeconds(30));
        stopping.Cancel();
        var exit = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExitCodes.Error, exit);
        Assert.Equal("error: stopped before it finished.", stderr.Output.Trim());
        Assert.Equal(0, await QueuedAsync());
    }

    /// <summary>Stdin as a terminal or an open pipe with no writer behind it: a read blocks and, like the console's, ignores cancellation.</summary>
    private sealed class SilentInput : ReadOnlyInput
    {
        private readonly ManualResetEventSlim _closed = new();
        private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Reading => _reading.Task;

        public override int Read(byte[] buffer, int offset, int count)
        {
            _reading.TrySetResult();
            _closed.Wait();
            return 0;
        }

        protected override void Dispose(bool disposing)
        {
            _closed.Set();
            base.Dispose(disposing);
        }

    }

    private sealed class EndlessDomains : ReadOnlyInput
    {
        private static readonly byte[] Line = "example.com\n"u8.ToArray();

        public long Served { get; private set; }

        public override long Position { get => Served; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            for (var i = 0; i < count; i++)
            {
                buffer[offset + i] = Line[(Served + i) % Line.Length];
            }
            Served += count;
            return count;
        }

    }

    /// <summary>Stdin as the tests feed it: read once, front to back; nothing else is supported.</summary>
    private abstract class ReadOnlyInput : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
