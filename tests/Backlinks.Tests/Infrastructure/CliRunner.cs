using System.Text;
using Backlinks.Cli;
using Backlinks.Cli.Hosting;
using Microsoft.Extensions.Configuration;
using Spectre.Console.Testing;

namespace Backlinks.Tests.Infrastructure;

/// <summary>What one run of the backlinks command printed on each stream and returned.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Both streams, for checks that do not care which one a line went to.</summary>
    public string Output => Stdout + Stderr;
}

/// <summary>Runs the backlinks command in-process against the same storage and sandbox as a test pipeline.</summary>
public static class CliRunner
{
    public static Task<CliRun> RunAsync(TestPipeline pipeline, params string[] args) =>
        RunAsync(pipeline, new Dictionary<string, string?>(), "", CancellationToken.None, args);

    public static Task<CliRun> RunAsync(TestPipeline pipeline, IDictionary<string, string?> overrides, string stdin,
        CancellationToken stopping, params string[] args) =>
        RunAsync(pipeline.Settings, overrides, Encoding.UTF8.GetBytes(stdin), stopping, args);

    /// <summary>Runs with a first (<paramref name="stopping"/>) and a second (<paramref name="quitting"/>) Ctrl-C to come.</summary>
    public static Task<CliRun> RunAsync(TestPipeline pipeline, CancellationToken stopping, CancellationToken quitting, params string[] args) =>
        RunAsync(pipeline.Settings, new Dictionary<string, string?>(), [], stopping, quitting, args);

    /// <summary>Runs with <paramref name="settings"/> as the whole environment and raw bytes on stdin.</summary>
    public static Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> settings, IDictionary<string, string?> overrides, byte[] stdin,
        CancellationToken stopping, params string[] args) =>
        RunAsync(settings, overrides, stdin, stopping, CancellationToken.None, args);

    private static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> settings, IDictionary<string, string?> overrides, byte[] stdin,
        CancellationToken stopping, CancellationToken quitting, string[] args)
    {
        var environment = new Dictionary<string, string?>(settings);
        foreach (var (key, value) in overrides)
        {
            environment[key] = value;
        }
        var stdout = new TestConsole().Width(200);
        var stderr = new TestConsole().Width(200);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(environment).Build();
        using var input = new MemoryStream(stdin);
        var exitCode = await BacklinksApp.RunAsync(args, new CliStreams(stdout, stderr, input), configuration, stopping, quitting);
        return new CliRun(exitCode, stdout.Output, stderr.Output);
    }
}
