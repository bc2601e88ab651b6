using System.Runtime.InteropServices;
using Backlinks.Cli;
using Backlinks.Cli.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Spectre.Console;

// The same settings as the Functions app, from the environment (DomDetailer__ApiKey, AzureWebJobsStorage, …).
var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
var stderr = Terminal.For(Console.Error, Console.IsErrorRedirected);

// Ctrl-C and SIGTERM (docker stop, systemd, timeout) alike: stop taking work and finish what is in hand.
// A second one: the default, immediate exit.
using var stopping = new CancellationTokenSource();
// Only work and lookup have jobs in hand to finish; the others (submit waiting on stdin, the sandbox) just stop.
var stoppingLine = args.FirstOrDefault(a => !a.StartsWith('-')) is "work" or "lookup" ? "Stopping after the jobs in hand…" : "Stopping…";
void Stop(PosixSignalContext signal)
{
    if (!stopping.IsCancellationRequested)
    {
        signal.Cancel = true;
        stderr.MarkupLine($"[yellow]{stoppingLine} (Ctrl-C again to quit at once)[/]");
        stopping.Cancel();
    }
}
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

var streams = new CliStreams(
    Terminal.For(Console.Out, Console.IsOutputRedirected),
    stderr,
    Console.OpenStandardInput(),
    logging => logging.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss ";
        o.ColorBehavior = Console.IsErrorRedirected ? LoggerColorBehavior.Disabled : LoggerColorBehavior.Default;
    }).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));

return await BacklinksApp.RunAsync(args, streams, configuration, stopping.Token);
