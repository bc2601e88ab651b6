using System.ComponentModel;
using Backlinks.Cli.Hosting;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands.Operations;

/// <summary><c>backlinks cancel JOBID</c>: a queued or waiting job ends cancelled, as POST /api/jobs/{id}/cancel.</summary>
internal sealed class CancelCommand(CliContext cli) : AsyncCommand<CancelCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "<JOBID>")]
        [Description("A queued or waiting job; its queue message is dropped when it arrives.")]
        public string JobId { get; init; } = "";

        [CommandOption("--json")]
        [Description("The result as one JSON document on stdout; an error too, as {\"error\", \"message\"}.")]
        public bool Json { get; init; }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        JobOperationCommand.RunAsync(cli, settings.JobId, settings.Json, (operations, id) => operations.CancelAsync(id, cancellationToken), "job_not_cancellable", cancellationToken);
}
