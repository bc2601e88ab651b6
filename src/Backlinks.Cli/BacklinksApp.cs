using Backlinks.Cli.Commands;
using Backlinks.Cli.Commands.Operations;
using Backlinks.Cli.Commands.Watch;
using Backlinks.Cli.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console.Cli;

namespace Backlinks.Cli;

/// <summary>The <c>backlinks</c> command line, runnable in-process (the tests do) or from Program.</summary>
public static class BacklinksApp
{
    /// <summary>
    /// <c>backlinks -v work</c> means <c>backlinks work -v</c>: at the root Spectre reads -v as --version, which
    /// printed the version and dropped the command with exit 0. Alone, <c>backlinks -v</c> still prints the version.
    /// </summary>
    internal static string[] VerboseAfterTheCommand(string[] args) =>
        args is [("-v" or "--verbose"), var command, ..] && !command.StartsWith('-') ? [.. args[1..], "-v"] : args;

    /// <param name="stopping">The first Ctrl-C or SIGTERM: stop taking work, finish the jobs in hand.</param>
    /// <param name="quitting">The second: give the jobs in hand back to the queue and quit.</param>
    public static async Task<int> RunAsync(string[] args, CliStreams streams, IConfiguration configuration, CancellationToken stopping,
        CancellationToken quitting = default)
    {
        args = VerboseAfterTheCommand(args);
        var cli = new CliContext(streams, configuration) { Quitting = quitting };
        var services = new ServiceCollection();
        services.AddSingleton(cli);
        var app = new CommandApp(new TypeRegistrar(services));
        app.Configure(config =>
        {
            config.SetApplicationName("backlinks");
            config.UseAssemblyInformationalVersion();
            config.ConfigureConsole(streams.Out);
            config.SetHelpProvider(new HelpWithExitCodes(config.Settings));
            config.SetInterceptor(new CommonOptionsInterceptor(cli));
            // Failures come back here, so that each is one line on stderr (and a JSON document with --json).
            config.PropagateExceptions();
            // An option no command knows is a mistake to report, not something to ignore.
            config.UseStrictParsing();
            config.AddCommand<SubmitCommand>("submit")
                .WithDescription("Queue one job per domain from a file (lines or CSV) or stdin.")
                .WithExample("submit", "domains.txt", "--one-per-domain");
            config.AddCommand<WorkCommand>("work")
                .WithDescription("Process the job queue locally, as the Functions app does.")
                .WithExample("work", "--until-idle");
            config.AddCommand<LookupCommand>("lookup")
                .WithDescription("Fetch one domain now and print its metrics.")
                .WithExample("lookup", "example.com");
            config.AddCommand<StatusCommand>("status").WithDescription("Show a job's status, or the whole app's (no API key needed).");
            config.AddCommand<MetricsCommand>("metrics").WithDescription("Show stored metrics: every domain's latest, one domain's, or its history (no API key needed).");
            config.AddCommand<LinksCommand>("links")
                .WithDescription("Show a domain's links (live by default), or the links it gained or lost.")
                .WithExample("links", "example.com", "--changes", "new", "--since", "2026-11-01", "--csv");
            config.AddCommand<RefDomainsCommand>("refdomains").WithDescription("Show the hosts that link to a domain.");
            config.AddCommand<ReplayCommand>("replay")
                .WithDescription("Rebuild the metrics and link tables from the stored raw JSON: no API call, no credit.")
                .WithExample("replay", "--domain", "example.com");
            config.AddCommand<JobsCommand>("jobs")
                .WithDescription("List jobs, newest first (default: the last 7 days).")
                .WithExample("jobs", "--status", "failed", "--since", "2026-11-01");
            config.AddCommand<RetryCommand>("retry")
                .WithDescription("Queue failed jobs and poisoned messages again, as new attempts of the same jobs.")
                .WithExample("retry", "--failed");
            config.AddCommand<CancelCommand>("cancel").WithDescription("Cancel a queued or waiting job: its message is dropped when it arrives.");
            config.AddCommand<ResumeCommand>("resume").WithDescription("Check the balance now and end the out-of-credits pause if credits are back.");
            config.AddBranch("watch", watch =>
            {
                watch.SetDescription("The watch list: domains refreshed on a schedule, within the daily budget.");
                watch.AddCommand<WatchAddCommand>("add")
                    .WithDescription("Watch domains (arguments, a file or stdin), or edit their entries.")
                    .WithExample("watch", "add", "clients.txt", "--group", "clients", "--every", "7d");
                watch.AddCommand<WatchListCommand>("list").WithDescription("Show the watch list.");
                watch.AddCommand<WatchRemoveCommand>("remove").WithDescription("Stop watching domains.");
                watch.AddCommand<WatchRunCommand>("run").WithDescription("Queue the due entries now, as the scheduled refresh does.");
            });
            config.AddCommand<SandboxCommand>("sandbox").WithDescription("Run the simulated DomDetailer API on loopback (no account, no credits).");
        });

        // Spectre reads a lone "-" as an option without a name; it means stdin here, as in most tools.
        var arguments = args.Select(a => a == "-" ? SubmitCommand.StdinArgument : a).ToArray();
        try
        {
            return await app.RunAsync(arguments, stopping);
        }
        catch (Exception exception)
        {
            return ErrorReporter.Report(exception, cli, args, json: args.Contains("--json"), stopped: stopping.IsCancellationRequested);
        }
    }
}
