using System.ComponentModel;
using Backlinks.Cli.Hosting;
using Backlinks.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands;

/// <summary><c>backlinks work</c>: the queue processor of the Functions app, run locally.</summary>
internal sealed class WorkCommand(CliContext cli) : AsyncCommand<WorkCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--until-empty")]
        [Description("Stop once the queue holds no message, visible or delayed (jobs waiting out a 429/402 are waited for).")]
        public bool UntilEmpty { get; init; }

        [CommandOption("--concurrency <N>")]
        [Description("Jobs processed at once (default: Queue__Concurrency, 4).")]
        public int? Concurrency { get; init; }

        [CommandOption("--sandbox")]
        [Description("Call the simulated DomDetailer API instead of the real one: synthetic data, no credits.")]
        public bool Sandbox { get; init; }

        public override ValidationResult Validate() =>
            Concurrency is < 1 or > 64 ? ValidationResult.Error("--concurrency must be between 1 and 64") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var sandbox = await cli.StartSandboxIfAsync(settings.Sandbox);
        await using var services = await cli.CreatePipelineAsync(cancellationToken, sandbox);
        // Fail now, in one line, if the API settings are unusable, rather than on the first job.
        _ = services.GetRequiredService<IOptions<DomDetailer.DomDetailerOptions>>().Value;

        var worker = services.GetRequiredService<QueueWorker>();
        var tally = new WorkerTally();
        cli.Console.MarkupLine(settings.UntilEmpty
            ? "Working the queue until it is empty (Ctrl-C finishes the jobs in hand and stops)…"
            : "Working the queue (Ctrl-C finishes the jobs in hand and stops)…");

        var run = worker.RunAsync(settings.UntilEmpty, tally, cancellationToken, settings.Concurrency);
        if (cli.Console.Profile.Capabilities.Interactive)
        {
            // A live line for people at a terminal; piped output gets the summary only.
            await cli.Console.Status().StartAsync(Line(tally), async status =>
            {
                while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(250), CancellationToken.None)) != run)
                {
                    status.Status(Line(tally));
                }
            });
        }
        await run;

        var summary = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("Succeeded").RightAligned()).AddColumn(new TableColumn("Waiting").RightAligned())
            .AddColumn(new TableColumn("Failed").RightAligned()).AddColumn(new TableColumn("Retried").RightAligned())
            .AddColumn(new TableColumn("Skipped").RightAligned()).AddColumn(new TableColumn("Credits spent").RightAligned())
            .AddRow($"{tally.Succeeded}", $"{tally.Waiting}", $"{tally.Failed}", $"{tally.Retried}", $"{tally.Skipped}",
                $"{(settings.Sandbox ? 0 : tally.CreditsSpent)}");
        cli.Console.Write(summary);
        if (tally.Cancelled > 0)
        {
            cli.Console.MarkupLine($"Cancelled: {tally.Cancelled} messages of cancelled jobs were dropped without a call.");
        }
        if (tally.KeyRejected)
        {
            throw new CliException(KeyRejectedMessage);
        }
        if (cancellationToken.IsCancellationRequested)
        {
            cli.Console.MarkupLine("Stopped. Jobs not started are still queued.");
        }
        return ExitCodes.Ok;
    }

    internal const string KeyRejectedMessage =
        "DomDetailer rejected the API key (HTTP 401/403): set a working DomDetailer__ApiKey. No call is made meanwhile; the jobs wait and resume with the new key.";

    private static string Line(WorkerTally t) =>
        $"done {t.Succeeded} · waiting {t.Waiting} · failed {t.Failed} · retried {t.Retried} · credits {t.CreditsSpent}";
}
