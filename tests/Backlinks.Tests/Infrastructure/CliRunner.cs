using Backlinks.Cli;
using Microsoft.Extensions.Configuration;
using Spectre.Console.Testing;

namespace Backlinks.Tests.Infrastructure;

/// <summary>What one run of the backlinks command printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Output);

/// <summary>Runs the backlinks command in-process against the same storage and sandbox as a test pipeline.</summary>
public static class CliRunner
{
    public static Task<CliRun> RunAsync(TestPipeline pipeline, params string[] args) =>
        RunAsync(pipeline, new Dictionary<string, string?>(), "", CancellationToken.None, args);

    public static async Task<CliRun> RunAsync(TestPipeline pipeline, IDictionary<string, string?> overrides, string stdin,
        CancellationToken stopping, params string[] args)
    {
        var settings = new Dictionary<string, string?>(pipeline.Settings);
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }
        var console = new TestConsole().Width(200);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var exitCode = await BacklinksApp.RunAsync(args, console, configuration, new StringReader(stdin), stopping);
        return new CliRun(exitCode, console.Output);
    }
}
