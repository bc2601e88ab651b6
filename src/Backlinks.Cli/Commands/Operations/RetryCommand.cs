using System.ComponentModel;
using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Jobs;
using Backlinks.Operations;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands.Operations;

/// <summary>
/// <c>backlinks retry JOBID | --failed [--since DATE]</c>: failed jobs and poisoned messages back to the
/// queue, as new attempts of the same jobs (force unchanged), as POST /api/jobs/{id}/retry.
/// </summary>
internal sealed class RetryCommand(CliContext cli) : AsyncCommand<RetryCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "[JOBID]")]
        [Description("The failed job to retry.")]
        public string? JobId { get; init; }

        [CommandOption("--failed")]
        [Description("Every job in the poison queue, and every job that failed since --since.")]
        public bool Failed { get; init; }

        [CommandOption("--since <DATE>")]
        [Description("With --failed: jobs created at or after this date or time, UTC (default: the last 7 days).")]
        public string? Since { get; init; }

        [CommandOption("--json")]
        [Description("The result as one JSON document on stdout; an error too, as {\"error\", \"message\"}.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            (JobId is null) == !Failed ? ValidationResult.Error("give a JOBID or --failed (one of them)")
            : Since is not null && !Failed ? ValidationResult.Error("--since goes with --failed")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!settings.Failed)
        {
            return await JobOperationCommand.RunAsync(cli, settings.JobId!, settings.Json, (operations, id) => operations.RetryAsync(id, cancellationToken), "job_not_failed", cancellationToken);
        }

        await using var services = await cli.CreatePipelineAsync(cancellationToken);
        var listing = services.GetRequiredService<JobListQuery>();
        if (!listing.TryCreateFilter(JobStatus.Failed, settings.Since, null, null, out var filter, out var error))
        {
            throw CliException.Usage(error);
        }
        var result = await services.GetRequiredService<JobOperations>().RetryFailedAsync(filter.Since, cancellationToken);
        if (settings.Json)
        {
            Render.AsJson(cli, result);
            return ExitCodes.Ok;
        }
        foreach (var job in result.Retried)
        {
            cli.Out.WriteLine($"{job.JobId}  {job.Domain}  queued again (retry {job.Retries})");
        }
        cli.Out.WriteLine($"{result.Retried.Count} failed jobs queued again (failed since {result.Since:u}, or in the poison queue); " +
            $"{result.PoisonMessagesRemoved} poison messages removed, {result.PoisonMessagesLeft} left (their jobs are not failed).");
        return ExitCodes.Ok;
    }
}
