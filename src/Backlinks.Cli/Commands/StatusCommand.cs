using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands;

/// <summary><c>backlinks status JOBID</c>: what GET /api/lookups/{jobId} answers.</summary>
internal sealed class StatusCommand(CliContext cli) : AsyncCommand<StatusCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<JOBID>")]
        public string JobId { get; init; } = "";

        [CommandOption("--json")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!JobId.TryParse(settings.JobId, out var id))
        {
            throw new CliException($"'{settings.JobId}' is not a job id: job ids are the UUIDs that 'backlinks submit' prints.");
        }
        await using var services = cli.CreatePipeline();
        var job = await services.GetRequiredService<JobQueries>().GetJobAsync(id, cancellationToken)
            ?? throw new CliException($"no job has the id {id}.");

        if (settings.Json)
        {
            Render.AsJson(cli.Console, job);
        }
        else
        {
            cli.Console.Write(Render.Job(job));
        }
        return ExitCodes.Ok;
    }
}
