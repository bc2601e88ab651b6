using System.ComponentModel;
using Backlinks.Cli.Hosting;
using Backlinks.Throttling;
using Backlinks.Cli.Output;
using Backlinks.Domains;
using Backlinks.Jobs;
using Backlinks.Queries;
using Backlinks.Storage;
using Backlinks.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands;

/// <summary><c>backlinks lookup DOMAIN</c>: one job through the pipeline, synchronously.</summary>
internal sealed class LookupCommand(CliContext cli) : AsyncCommand<LookupCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "<DOMAIN>")]
        [Description("The domain, or a URL on it: normalized as POST /api/lookups does.")]
        public string Domain { get; init; } = "";

        [CommandOption("--one-per-domain")]
        [Description("At most one backlink per referring domain.")]
        public bool OnePerDomain { get; init; }

        [CommandOption("--force")]
        [Description("Call the API even when a recent snapshot of the domain would serve the lookup (3 credits).")]
        public bool Force { get; init; }

        [CommandOption("--sandbox")]
        [Description("Call the simulated DomDetailer API instead of the real one: synthetic data, no credits.")]
        public bool Sandbox { get; init; }

        [CommandOption("--json")]
        [Description("The result as one JSON document on stdout; an error too, as {\"error\", \"message\"}.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var normalized = DomainName.Normalize(settings.Domain);
        if (!normalized.IsValid)
        {
            throw CliException.Usage($"'{settings.Domain}' is not a valid domain: {normalized.Error}.");
        }

        cli.ReportsItsJob = true;
        await using var sandbox = await cli.StartSandboxIfAsync(settings.Sandbox);
        await using var services = await cli.CreatePipelineAsync(cancellationToken, sandbox);
        var processor = services.GetRequiredService<JobProcessor>(); // validates the API settings first

        // The same message and processor as a queued job; the job runs here instead of waiting for a worker
        // (its row is written from the message, as for any job whose message arrives first). The message is in
        // the queue, held as a worker holds what it received: if this process dies, a worker finishes the job.
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var jobId = JobId.New(now);
        var message = JobMessage.ForNew(jobId, normalized.Domain!, settings.OnePerDomain, settings.Force, now);
        var workerOptions = services.GetRequiredService<IOptions<QueueWorkerOptions>>().Value;
        var jobsQueue = services.GetRequiredService<StorageClients>().JobsQueue;
        var held = await services.GetRequiredService<JobQueue>().SendHeldAsync(message, workerOptions.ProcessingLease, cancellationToken);
        JobOutcome outcome;
        try
        {
            // A first Ctrl-C finishes the job in hand, as `work` does; a second gives it to the queue at once.
            outcome = await processor.ProcessAsync(message.ToJson(), held.MessageId, cli.Quitting);
        }
        catch (OperationCanceledException) when (cli.Quitting.IsCancellationRequested)
        {
            await jobsQueue.UpdateMessageAsync(held.MessageId, held.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None);
            cli.Error.WriteLine($"Quit. Job {jobId} went back to the queue: 'backlinks work --until-idle' finishes it.");
            throw;
        }
        var action = MessageAction.For(outcome);
        if (action.Kind == MessageActionKind.Complete)
        {
            await jobsQueue.DeleteMessageAsync(held.MessageId, held.PopReceipt, CancellationToken.None);
        }
        else
        {
            // As the host would: the job stays in the queue for a worker's next try.
            var retryDelay = action.Kind == MessageActionKind.Retry ? workerOptions.VisibilityTimeout : action.Delay;
            await jobsQueue.UpdateMessageAsync(held.MessageId, held.PopReceipt, visibilityTimeout: retryDelay, cancellationToken: CancellationToken.None);
        }

        var view = (await services.GetRequiredService<JobQueries>().GetJobAsync(jobId, cancellationToken))!;
        if (settings.Json)
        {
            Render.AsJson(cli, view);
        }
        else if (view.Result?.Metrics is { } metrics)
        {
            var container = services.GetRequiredService<StorageClients>().RawContainer.Name;
            cli.Out.Write(Render.Metrics([metrics]));
            cli.Out.MarkupLine($"Raw JSON: {Display.Markup($"{container}/{view.Result.RawBlobPath}")}");
            cli.Out.MarkupLine($"Job: {view.JobId}");
            if (view.Result.ServedFromCache)
            {
                cli.Out.MarkupLine($"Served from the cache: {Display.Markup(Render.CachedFrom(view))}; no call, no credit. --force fetches anew.");
            }
        }
        else
        {
            cli.Out.Write(Render.Job(view));
        }

        if (view.Waiting?.Reason == WaitReason.InvalidApiKey)
        {
            throw new CliException(WorkCommand.KeyRejectedMessage, "api_key_rejected");
        }
        return outcome.Kind switch
        {
            JobOutcomeKind.Succeeded => ExitCodes.Ok,
            JobOutcomeKind.Failed => throw new CliException($"{view.Domain}: {view.LastError}", "job_failed"),
            _ => NotFinished(view, settings.Json),
        };
    }

    private int NotFinished(JobView view, bool json)
    {
        if (!json)
        {
            var why = view.Waiting is { } waiting ? $"waiting ({waiting.Reason}) until {waiting.NextAttemptAtUtc:u}" : $"queued for another try after: {view.LastError}";
            cli.Error.MarkupLine($"[yellow]Not finished:[/] {Display.Markup(why)}. 'backlinks work --until-empty' finishes it.");
        }
        return ExitCodes.NotFinished;
    }
}
