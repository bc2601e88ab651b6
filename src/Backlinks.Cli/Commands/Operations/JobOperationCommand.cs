using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Jobs;
using Backlinks.Operations;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Backlinks.Cli.Commands.Operations;

/// <summary>How <c>retry JOBID</c> and <c>cancel JOBID</c> run: parse the id, operate, print the job or fail in one line (exit 1).</summary>
/// <remarks>The error codes are those of the HTTP endpoints: <c>job_not_found</c>, or the operation's conflict code.</remarks>
internal static class JobOperationCommand
{
    public static async Task<int> RunAsync(CliContext cli, string jobId, bool json,
        Func<JobOperations, JobId, Task<JobOperationResult>> operation, string conflictCode, CancellationToken cancellationToken)
    {
        if (!JobId.TryParse(jobId, out var id))
        {
            throw CliException.Usage($"'{jobId}' is not a job id: job ids are the UUIDs that 'backlinks submit' prints.");
        }
        await using var services = await cli.CreatePipelineAsync(cancellationToken);
        var result = await operation(services.GetRequiredService<JobOperations>(), id);
        if (result.Outcome != JobOperationOutcome.Done)
        {
            throw new CliException(result.Message, result.Outcome == JobOperationOutcome.NotFound ? "job_not_found" : conflictCode);
        }
        if (json)
        {
            Render.AsJson(cli, result);
        }
        else
        {
            cli.Out.WriteLine(result.PoisonMessagesRemoved > 0
                ? $"{Capitalized(result.Message)} Removed {result.PoisonMessagesRemoved} of its messages from the poison queue."
                : Capitalized(result.Message));
        }
        return ExitCodes.Ok;
    }

    private static string Capitalized(string message) => char.ToUpperInvariant(message[0]) + message[1..];
}
