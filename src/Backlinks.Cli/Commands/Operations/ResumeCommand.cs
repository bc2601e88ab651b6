using System.ComponentModel;
using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Operations;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands.Operations;

/// <summary>
/// <c>backlinks resume</c>: after a top-up, checks the balance now (the free balance endpoint) and ends the
/// out-of-credits pause if credits are back, as POST /api/control/resume. Still none: exit 1 with the balance.
/// </summary>
internal sealed class ResumeCommand(CliContext cli) : AsyncCommand<ResumeCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("--json")]
        [Description("The result as JSON: outcome (notPaused or resumed), message, balanceUnits, jobsReleased.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var services = await cli.CreatePipelineAsync(cancellationToken);
        var result = await services.GetRequiredService<PauseResumer>().ResumeAsync(cancellationToken);
        if (result.Outcome == ResumeOutcome.StillPaused)
        {
            // The message carries the balance; an error is one line (and, with --json, the error document).
            throw new CliException(result.Message, "still_paused");
        }
        if (settings.Json)
        {
            Render.AsJson(cli, result);
            return ExitCodes.Ok;
        }
        cli.Out.WriteLine(char.ToUpperInvariant(result.Message[0]) + result.Message[1..]);
        return ExitCodes.Ok;
    }
}
