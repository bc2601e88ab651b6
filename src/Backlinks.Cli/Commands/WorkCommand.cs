using System.ComponentModel;
using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Storage;
using Backlinks.Throttling;
using Backlinks.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands;

/// <summary><c>backlinks work</c>: the queue processor of the Functions app, run locally.</summary>
internal sealed class WorkCommand(CliContext cli) : AsyncCommand<WorkCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("--until-empty")]
        [Description("Stop once the queue holds no message, visible or delayed (jobs waiting out a 429/402 are waited for).")]
        public bool UntilEmpty { get; init; }

        [CommandOption("--until-idle")]
        [Description("Stop once nothing can run now (only delayed messages are left), and say when the next one is due.")]
        public bool UntilIdle { get; init; }

        [CommandOption("--concurrency <N>")]
        [Description("Jobs processed at once (default: Queue__Concurrency, 4).")]
        public int? Concurrency { get; init; }

        [CommandOption("--sandbox")]
        [Description("Call the simulated DomDetailer API instead of the real one: synthetic data, no credits.")]
        public bool Sandbox { get; init; }

        public override ValidationResult Validate() =>
            Concurrency is < 1 or > 64 ? ValidationResult.Error("--concurrency must be between 1 and 64")
            : UntilEmpty && UntilIdle ? ValidationResult.Error("--until-empty and --until-idle exclude each other")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var sandbox = await cli.StartSandboxIfAsync(settings.Sandbox);
        await using var services = await cli.CreatePipelineAsync(cancellationToken, sandbox);
        // Fail now, in one line, if the API settings are unusable, rather than on the first job.
        _ = services.GetRequiredService<IOptions<DomDetailer.DomDetailerOptions>>().Value;

        var until = settings.UntilIdle ? WorkUntil.Idle : settings.UntilEmpty ? WorkUntil.Empty : WorkUntil.Stopped;
        var worker = services.GetRequiredService<QueueWorker>();
        var storage = services.GetRequiredService<StorageClients>();
        var time = services.GetRequiredService<TimeProvider>();
        var tally = new WorkerTally();
        cli.Error.WriteLine(until switch
        {
            WorkUntil.Empty => "Working the queue until it is empty (Ctrl-C finishes the jobs in hand and stops)…",
            WorkUntil.Idle => "Working the queue until nothing can run now (Ctrl-C finishes the jobs in hand and stops)…",
            _ => "Working the queue (Ctrl-C finishes the jobs in hand and stops)…",
        });

        var run = worker.RunAsync(until, tally, cancellationToken, settings.Concurrency, cli.Quitting);
        if (cli.Error.Profile.Capabilities.Interactive)
        {
            // A live line for people at a terminal.
            await cli.Error.Status().StartAsync(Line(tally), async status =>
            {
                while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(250), CancellationToken.None)) != run)
                {
                    status.Status(Line(tally));
                }
            });
        }
        else
        {
            // Logs and scripts: a line at least every 30 s while nothing can run.
            await new WaitingReporter(tally, time, async ct => await QueuedAsync(storage, ct), line => cli.Error.WriteLine(line)).RunAsync(run);
        }
        await run;

        cli.Out.Write(Summary(tally, settings.Sandbox));
        if (tally.Cancelled > 0)
        {
            cli.Error.WriteLine(tally.Cancelled == 1 ? "Cancelled: 1 message of a cancelled job was dropped without a call." : $"Cancelled: {tally.Cancelled} messages of cancelled jobs were dropped without a call.");
        }
        if (tally.KeyRejected)
        {
            throw new CliException(KeyRejectedMessage, "api_key_rejected");
        }
        if (cli.Quitting.IsCancellationRequested)
        {
            cli.Error.WriteLine("Quit. The jobs in hand went back to the queue; the next run takes them up.");
        }
        else if (cancellationToken.IsCancellationRequested)
        {
            cli.Error.WriteLine("Stopped. Jobs not started are still queued.");
        }
        else if (until == WorkUntil.Idle)
        {
            await ReportIdleAsync(services, storage, tally, time, cancellationToken);
        }
        else if (tally.StaleMessagesLeft > 0)
        {
            cli.Error.WriteLine($"Empty: no job is left to run; the queue keeps {Display.Count(tally.StaleMessagesLeft, "delayed message")} of cancelled or finished jobs, each dropped without a call when it comes.");
        }
        if (tally.Failed > 0)
        {
            cli.Error.MarkupLine($"[red]{Display.Count(tally.Failed, "job")} failed[/]: 'backlinks status JOBID' shows why.");
            return ExitCodes.SomeJobsFailed;
        }
        return ExitCodes.Ok;
    }

    /// <summary>What an idle run leaves behind: the delayed messages, and when the first is due.</summary>
    private async Task ReportIdleAsync(ServiceProvider services, StorageClients storage, WorkerTally tally, TimeProvider time, CancellationToken cancellationToken)
    {
        var left = await QueuedAsync(storage, cancellationToken);
        if (left == 0)
        {
            cli.Error.WriteLine("Idle: the queue is empty.");
            return;
        }
        var now = time.GetUtcNow();
        var control = (await services.GetRequiredService<AccountState>().GetAsync(cancellationToken)).Control;
        var due = tally.NextDueAfter(now)
            ?? (control is { PauseActive: true } ? control.PauseUntilUtc : null)
            ?? (control?.NotBeforeUtc > now ? control.NotBeforeUtc : null);
        var waits = tally.WaitingByReason();
        var why = waits.Count > 0 ? $" ({string.Join("; ", waits.Select(w => $"{w.Jobs} {WaitingReporter.Reason(w.Reason)}"))})" : "";
        cli.Error.WriteLine(due is { } next
            ? $"Idle: {Display.Count(left, "message")} delayed{why}; the next is due at {WaitingReporter.Time(next)}. Run 'backlinks work --until-idle' again then."
            : $"Idle: {Display.Count(left, "message")} delayed or in another worker's hands{why}; 'backlinks status' shows why jobs wait.");
    }

    /// <summary>Messages in the jobs queue, visible or delayed.</summary>
    private static async Task<int> QueuedAsync(StorageClients storage, CancellationToken cancellationToken) =>
        (await storage.JobsQueue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;

    private static Table Summary(WorkerTally tally, bool sandbox) => new Table().Border(TableBorder.Rounded)
        .AddColumn(new TableColumn("Succeeded").RightAligned()).AddColumn(new TableColumn("Waiting").RightAligned())
        .AddColumn(new TableColumn("Failed").RightAligned()).AddColumn(new TableColumn("Retried").RightAligned())
        .AddColumn(new TableColumn("Skipped").RightAligned()).AddColumn(new TableColumn("Credits spent").RightAligned())
        .AddColumn(new TableColumn("Cancelled").RightAligned())
        .AddRow($"{tally.Succeeded}", $"{tally.Waiting}", $"{tally.Failed}", $"{tally.Retried}", $"{tally.Skipped}",
            $"{(sandbox ? 0 : tally.CreditsSpent)}", $"{tally.Cancelled}");

    internal const string KeyRejectedMessage =
        "DomDetailer rejected the API key (HTTP 401/403): set a working DomDetailer__ApiKey. No call is made meanwhile; the jobs wait and resume with the new key.";

    private static string Line(WorkerTally t)
    {
        var line = $"done {t.Succeeded} · waiting {t.Waiting} · failed {t.Failed} · retried {t.Retried} · credits {t.CreditsSpent}";
        var waits = t.WaitingByReason();
        return waits.Count == 0 ? line : $"{line} · next due {WaitingReporter.Time(waits[0].NextDueUtc ?? DateTimeOffset.MaxValue)} ({Display.Markup(waits[0].Reason)})";
    }
}
