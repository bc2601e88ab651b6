using System.ComponentModel;
using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Jobs;
using Backlinks.Queries;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands;

/// <summary><c>backlinks status [JOBID]</c>: a job, as GET /api/lookups/{jobId}; without one, the app, as GET /api/status.</summary>
internal sealed class StatusCommand(CliContext cli) : AsyncCommand<StatusCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "[JOBID]")]
        [System.ComponentModel.Description("A job id from 'backlinks submit'; without it, the state of the whole app.")]
        public string? JobId { get; init; }

        [CommandOption("--json")]
        [Description("The result as one JSON document on stdout; an error too, as {\"error\", \"message\"}.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.JobId is null)
        {
            await using var pipeline = await cli.CreatePipelineAsync(cancellationToken);
            var status = await pipeline.GetRequiredService<AppStatusQuery>().GetAsync(cancellationToken);
            if (settings.Json)
            {
                Render.AsJson(cli, status);
            }
            else
            {
                cli.Out.Write(Render.App(status));
            }
            return ExitCodes.Ok;
        }

        if (!JobId.TryParse(settings.JobId, out var id))
        {
            throw CliException.Usage($"'{settings.JobId}' is not a job id: job ids are the UUIDs that 'backlinks submit' prints.");
        }
        await using var services = await cli.CreatePipelineAsync(cancellationToken);
        var job = await services.GetRequiredService<JobQueries>().GetJobAsync(id, cancellationToken)
            ?? throw new CliException($"no job has the id {id}.", "job_not_found");

        if (settings.Json)
        {
            Render.AsJson(cli, job);
        }
        else
        {
            cli.Out.Write(Render.Job(job));
        }
        return ExitCodes.Ok;
    }
}
