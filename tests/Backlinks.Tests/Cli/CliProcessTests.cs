using System.Text;
using System.Text.Json;
using Backlinks.Cli.Hosting;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Cli;

/// <summary>The output contract as a process: usage errors, unreachable storage, stdin against a file, unwrapped piped output, -v.</summary>
public sealed class CliProcessTests(AzuriteFixture azurite) : CliProcessTestBase(azurite)
{
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
        var settings = new Dictionary<string, string?>(Pipeline.Settings)
        {
            // Port 1 on loopback: nothing listens there.
            ["AzureWebJobsStorage"] = System.Text.RegularExpressions.Regex.Replace(Pipeline.Settings["AzureWebJobsStorage"]!, @"127\.0\.0\.1:\d+", "127.0.0.1:1"),
        };

        var run = await CliProcess.RunAsync(settings, [], "status", "--json");

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Equal("storage_unreachable", JsonDocument.Parse(run.Stdout).RootElement.GetProperty("error").GetString());
        Assert.Equal("error: cannot reach the storage account in AzureWebJobsStorage: check the setting and the network.", run.Stderr.Trim());
    }

    [Fact]
    public async Task Storage_that_never_answers_is_said_on_stderr_while_waiting_and_ends_in_one_error()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start(); // the kernel accepts the connections; nothing ever answers
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var settings = new Dictionary<string, string?>(Pipeline.Settings)
        {
            ["AzureWebJobsStorage"] = Backlinks.Testing.AzuriteProcess.ConnectionStringFor(port, port, port),
            ["Storage:NetworkTimeout"] = "00:00:00.300",
        };

        var run = await CliProcess.RunAsync(settings, [], "status", "--json");

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Equal("storage_unreachable", JsonDocument.Parse(run.Stdout).RootElement.GetProperty("error").GetString());
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"waiting for storage: 127.0.0.1:{port} did not answer in time (try 1 of 4)", lines[0]);
        Assert.StartsWith("error: storage takes connections but did not answer", lines[^1]);
    }

    [Fact]
    public async Task A_failed_lookup_is_one_error_line_not_a_warning_and_an_error()
    {
        Pipeline.Api.Script(SandboxAnswer.BadRequest());

        var run = await RunAsync([], "lookup", "refused.com");

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Equal("error: refused.com: the API refused the request (HTTP 400 invalid_parameter): domain is not valid", run.Stderr.Trim());
    }

    [Fact]
    public async Task Csv_on_stdin_and_the_same_file_queue_the_same_domains_and_piped_output_is_not_wrapped()
    {
        var longDomain = new string('a', 60) + ".example.com";
        var csv = $"client,domain\nAcme,acme.com\nLong,{longDomain}\n";
        var file = Path.Combine(Folder, "clients.txt");
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
