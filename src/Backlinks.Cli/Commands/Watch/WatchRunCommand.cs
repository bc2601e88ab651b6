using System.ComponentModel;
using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Watching;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands.Watch;

/// <summary>
/// <c>backlinks watch run</c>: what the RefreshWatchList timer does, now. Safe beside the timer or another
/// run: each due entry is claimed with a conditional write before its job is queued.
/// </summary>
internal sealed class WatchRunCommand(CliContext cli) : AsyncCommand<WatchRunCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("--json")]
        [Description("The result as one JSON document on stdout; an error too, as {\"error\", \"message\"}.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var services = await cli.CreatePipelineAsync(cancellationToken);
        var result = await services.GetRequiredService<WatchListRefresher>().RunAsync(cancellationToken);
        if (settings.Json)
        {
            Render.AsJson(cli, result);
        }
        else
        {
            var line = $"Queued [green]{result.Queued}[/] · not due {result.NotDue} · held back by the budget [yellow]{result.HeldBack}[/]";
            line += result.Disabled > 0 ? $" · disabled {result.Disabled}" : "";
            line += result.ClaimedElsewhere > 0 ? $" · queued by another run {result.ClaimedElsewhere}" : "";
            cli.Out.MarkupLine(line);
            if (result.NotQueued > 0)
            {
                cli.Error.MarkupLine($"[red]{result.NotQueued} due entries were not queued ({Display.Markup(result.Error ?? "")}); they stay due.[/]");
            }
            if (result.Queued > 0)
            {
                cli.Error.MarkupLine("Run [bold]backlinks work --until-idle[/] (or the Functions app) to process them; they are spread over WatchList__SpreadOver.");
            }
        }
        return result.NotQueued > 0 ? ExitCodes.Error : ExitCodes.Ok;
    }
}
