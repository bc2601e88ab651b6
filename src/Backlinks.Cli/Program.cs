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

// Ctrl-C and SIGTERM (docker stop, systemd, timeout) alike. The first: stop taking work and finish what is in hand.
// The second, for the commands with jobs in hand: quit now, but give their messages back first, so that no job
// waits out a lease. Any other: the default, immediate exit.
using var stopping = new CancellationTokenSource();
using var quitting = new CancellationTokenSource();
var command = args.FirstOrDefault(a => !a.StartsWith('-'));
var handsJobsBack = command is "work" or "lookup";
var signals = new StopSignals(handsJobsBack, TimeProvider.System);
var quitExitCode = 0;
void Stop(PosixSignalContext signal)
{
    // Said in the terms of what was sent: a person pressed Ctrl-C, a supervisor sent SIGTERM.
    var again = signal.Signal == PosixSignal.SIGTERM ? "SIGTERM again" : "Ctrl-C again";
    switch (signals.Next())
    {
        case StopRequest.Stop:
            signal.Cancel = true;
            stderr.MarkupLine($"[yellow]{(handsJobsBack ? "Stopping after the jobs in hand…" : "Stopping…")} ({again} to quit at once)[/]");
            stopping.Cancel();
            break;
        case StopRequest.Quit:
            signal.Cancel = true;
            // What the shell reports for a process ended by the signal: 128 + its number.
            quitExitCode = signal.Signal == PosixSignal.SIGTERM ? ExitCodes.QuitByTerminate : ExitCodes.QuitByInterrupt;
            stderr.MarkupLine("[yellow]Quitting: the jobs in hand go back to the queue… ({again} to exit at once)[/]");
            quitting.Cancel();
            // Giving the messages back takes one storage request each; storage that does not answer must not keep the process.
            _ = Task.Delay(TimeSpan.FromSeconds(5)).ContinueWith(_ => Environment.Exit(quitExitCode), TaskScheduler.Default);
            break;
        case StopRequest.Copy:
            signal.Cancel = true;
            break;
        case StopRequest.ExitNow:
            break;
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

var exitCode = await BacklinksApp.RunAsync(args, streams, configuration, stopping.Token, quitting.Token);
return quitting.IsCancellationRequested ? quitExitCode : exitCode;
