using Backlinks.Cli;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

// The same settings as the Functions app, from the environment (DomDetailer__ApiKey, AzureWebJobsStorage, …).
var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();

// First Ctrl-C: stop taking work and finish what is in hand. Second: the default, immediate exit.
using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (!stopping.IsCancellationRequested)
    {
        e.Cancel = true;
        AnsiConsole.MarkupLine("[yellow]Stopping after the jobs in hand… (Ctrl-C again to quit at once)[/]");
        stopping.Cancel();
    }
};

return await BacklinksApp.RunAsync(args, AnsiConsole.Console, configuration, Console.In, stopping.Token);
