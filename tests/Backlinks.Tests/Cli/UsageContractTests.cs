using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using Backlinks.Cli.Hosting;
using Backlinks.Tests.Infrastructure;
using Spectre.Console.Cli;

namespace Backlinks.Tests.Cli;

/// <summary>
/// The output contract where no storage is involved: usage errors are one line on stderr with a hint to
/// --help, --json makes stdout one JSON document even on errors, --version and --help say what they must.
/// </summary>
public class UsageContractTests
{
    private static readonly Dictionary<string, string?> NoSettings = [];

    private static Task<CliRun> RunAsync(params string[] args) => CliRunner.RunAsync(NoSettings, new Dictionary<string, string?>(), [], CancellationToken.None, args);

    [Theory]
    [InlineData(new[] { "frobnicate" }, "Unknown command 'frobnicate'", "See 'backlinks --help'.")]
    [InlineData(new[] { "submit" }, "missing required argument 'FILE'", "See 'backlinks submit --help'.")]
    [InlineData(new[] { "lookup" }, "missing required argument 'DOMAIN'", "See 'backlinks lookup --help'.")]
    [InlineData(new[] { "work", "--concurrency", "abc" }, "'abc' is not a whole number", "See 'backlinks work --help'.")]
    [InlineData(new[] { "work", "--concurrency", "0" }, "--concurrency must be between 1 and 64", "See 'backlinks work --help'.")]
    [InlineData(new[] { "work", "--until-empty", "--until-idle" }, "exclude each other", "See 'backlinks work --help'.")]
    [InlineData(new[] { "status", "--frob" }, "Unknown option 'frob'", "See 'backlinks status --help'.")]
    [InlineData(new[] { "submit", "-", "--format", "xml" }, "--format must be text, csv or json", "See 'backlinks submit --help'.")]
    [InlineData(new[] { "sandbox", "--port", "70000" }, "--port must be between 0 (any free port) and 65535", "See 'backlinks sandbox --help'.")]
    [InlineData(new[] { "work", "--concurrency" }, "an option is missing its value", "See 'backlinks work --help'.")]
    [InlineData(new[] { "work", "--concurrency", "--until-idle" }, "an option is missing its value", "See 'backlinks work --help'.")]
    [InlineData(new[] { "watch", "frob" }, "Unknown command 'frob'", "See 'backlinks watch --help'.")]
    public async Task A_usage_error_is_one_line_on_stderr_with_a_hint_and_exit_1(string[] args, string message, string hint)
    {
        var run = await RunAsync(args);

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Equal("", run.Stdout);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(message, line);
        Assert.EndsWith(hint, line.TrimEnd());
    }

    [Fact]
    public async Task With_json_a_usage_error_is_also_one_json_document_on_stdout()
    {
        var run = await RunAsync("status", "--json", "--frob");

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        var error = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("usage", error.GetProperty("error").GetString());
        Assert.Contains("Unknown option 'frob'", error.GetProperty("message").GetString());
        Assert.Contains("Unknown option 'frob'", run.Stderr);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("metrics")]
    [InlineData("jobs")]
    [InlineData("links", "example.com")]
    [InlineData("refdomains", "example.com")]
    [InlineData("replay")]
    [InlineData("submit", "-")]
    [InlineData("work", "--until-idle")]
    [InlineData("lookup", "example.com")]
    [InlineData("lookup", "example.com", "--sandbox")]  // no sandbox banner before the error
    [InlineData("work", "--until-idle", "--sandbox")]
    [InlineData("retry", "--failed")]
    [InlineData("resume")]
    [InlineData("watch", "list")]
    [InlineData("watch", "run")]
    public async Task Every_command_reports_unreachable_storage_as_one_line(params string[] args)
    {
        var unreachable = new Dictionary<string, string?>
        {
            // Port 1 on loopback: nothing listens there.
            ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
                "BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;",
            ["Storage:RetryDelay"] = "00:00:00.010",
            ["DomDetailer:ApiKey"] = "unused-key",
        };

        var run = await CliRunner.RunAsync(unreachable, new Dictionary<string, string?>(), "example.com\n"u8.ToArray(), CancellationToken.None, args);

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Equal("error: cannot reach the storage account in AzureWebJobsStorage: check the setting and the network.", run.Stderr.Trim());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Storage_that_takes_connections_and_never_answers_is_said_while_waiting_then_one_error(bool json)
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start(); // the kernel accepts the connections; nothing ever answers
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = Backlinks.Testing.AzuriteProcess.ConnectionStringFor(port, port, port),
            ["Storage:RetryDelay"] = "00:00:00.010",
            ["Storage:NetworkTimeout"] = "00:00:00.300",
        };

        var run = await CliRunner.RunAsync(settings, new Dictionary<string, string?>(), [], CancellationToken.None, json ? ["status", "--json"] : ["status"]);

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"waiting for storage: 127.0.0.1:{port} did not answer in time (try 1 of 4); trying again.", lines[0].Trim());
        const string message = "storage takes connections but did not answer: each of 4 tries timed out. Check AzureWebJobsStorage and the network (Storage__NetworkTimeout sets how long a try waits).";
        Assert.Equal($"error: {message}", lines[^1].Trim());
        if (json)
        {
            using var document = System.Text.Json.JsonDocument.Parse(run.Stdout);
            Assert.Equal(("storage_unreachable", message), (document.RootElement.GetProperty("error").GetString(), document.RootElement.GetProperty("message").GetString()));
        }
    }

    [Theory]
    [InlineData("AzureWebJobsStorage", "garbage", "a setting could not be read: Settings must be of the form")]
    public async Task A_setting_that_cannot_be_read_is_one_configuration_line_not_a_stack_trace(string setting, string value, string message)
    {
        var settings = new Dictionary<string, string?> { [setting] = value, ["DomDetailer:ApiKey"] = "unused-key" };

        var run = await CliRunner.RunAsync(settings, new Dictionary<string, string?>(), [], CancellationToken.None, "work", "--until-idle");

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(message, line);
    }

    [Fact]
    public async Task Version_prints_the_version_on_stdout()
    {
        var run = await RunAsync("--version");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", run.Stdout.Trim());
    }

    [Fact]
    public async Task Help_lists_every_exit_code()
    {
        var run = await RunAsync("--help");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("EXIT CODES:", run.Stdout);
        foreach (var (code, meaning) in ExitCodes.Documented)
        {
            Assert.Contains($"{code}   {meaning}", run.Stdout);
        }
    }

    [Fact]
    public void The_readme_lists_every_exit_code()
    {
        var readme = File.ReadAllText(RepoPaths.Combine("README.md"));

        foreach (var (code, meaning) in ExitCodes.Documented)
        {
            Assert.Contains($"| `{code}` | {meaning} |", readme);
        }
    }

    [Fact]
    public async Task Control_characters_in_an_argument_are_escaped_when_printed()
    {
        var run = await RunAsync("status", "\u001b]0;owned\u0007\u001b[2J", "--json");

        Assert.DoesNotContain('\u001b', run.Stderr);
        Assert.DoesNotContain('\u0007', run.Stderr);
        Assert.Contains(@"'\x1b]0;owned\x07\x1b[2J' is not a job id", run.Stderr);
        // JSON escapes them its own way, and stays parseable.
        Assert.DoesNotContain('\u001b', run.Stdout);
        Assert.Contains("owned", JsonDocument.Parse(run.Stdout).RootElement.GetProperty("message").GetString());
    }
    [Fact]
    public void Every_option_and_argument_says_in_help_what_it_does()
    {
        var settings = typeof(CliSettings).Assembly.GetTypes().Where(t => typeof(CommandSettings).IsAssignableFrom(t) && !t.IsAbstract).ToList();
        var undescribed = settings
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => (Type: t, Property: p)))
            .Where(x => x.Property.GetCustomAttribute<CommandOptionAttribute>() is not null || x.Property.GetCustomAttribute<CommandArgumentAttribute>() is not null)
            .Where(x => string.IsNullOrWhiteSpace(x.Property.GetCustomAttribute<DescriptionAttribute>()?.Description))
            .Select(x => $"{x.Type.DeclaringType?.Name ?? x.Type.Name}.{x.Property.Name}");

        Assert.True(settings.Count > 10, "the command settings were not found");
        Assert.Empty(undescribed);
    }
    [Theory]
    [InlineData(new[] { "-v", "work", "--until-idle" }, new[] { "work", "--until-idle", "-v" })]
    [InlineData(new[] { "--verbose", "watch", "list" }, new[] { "watch", "list", "-v" })]
    [InlineData(new[] { "-v" }, new[] { "-v" })]
    [InlineData(new[] { "status", "-v" }, new[] { "status", "-v" })]
    public void Verbose_before_the_command_is_verbose_for_the_command_not_the_version(string[] args, string[] meant)
    {
        Assert.Equal(meant, Backlinks.Cli.BacklinksApp.VerboseAfterTheCommand(args));
    }

    [Fact]
    public async Task Verbose_before_a_command_runs_the_command()
    {
        var run = await RunAsync("-v", "work", "--concurrency", "0");

        // The command ran (and refused its value); it did not print the version and exit 0.
        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Contains("--concurrency must be between 1 and 64", run.Stderr);
    }
}
