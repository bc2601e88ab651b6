using System.ComponentModel;
using System.Globalization;
using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Watching;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands.Watch;

/// <summary><c>backlinks watch list [--group G] [--json|--csv]</c>: GET /api/watchlist from the command line.</summary>
internal sealed class WatchListCommand(CliContext cli) : AsyncCommand<WatchListCommand.Settings>
{
    private static readonly string[] Columns = ["Domain", "Group", "Every", "OnePerDomain", "Enabled", "NextDueUtc", "LastQueuedUtc", "LastJobId", "AddedAtUtc"];

    public sealed class Settings : CliSettings
    {
        [CommandOption("--group <GROUP>")]
        [Description("Only the entries of this group.")]
        public string? Group { get; init; }

        [CommandOption("--json")]
        [Description("The result as one JSON document on stdout; an error too, as {\"error\", \"message\"}.")]
        public bool Json { get; init; }

        [CommandOption("--csv")]
        [Description("Every column, as the table stores it (RFC 4180).")]
        public bool Csv { get; init; }

        public override ValidationResult Validate() =>
            Csv && Json ? ValidationResult.Error("--csv and --json cannot be combined") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var services = await cli.CreatePipelineAsync(cancellationToken);
        var entries = await services.GetRequiredService<WatchList>().ListAsync(settings.Group, cancellationToken);
        if (settings.Json)
        {
            Render.AsJson(cli, entries);
        }
        else if (settings.Csv)
        {
            Output.Csv.Write(cli.Out.Profile.Out.Writer, Columns, entries, e =>
                [e.Domain, e.Group, e.Every, e.OnePerDomain, e.Enabled, e.NextDueUtc, e.LastQueuedUtc, e.LastJobId, e.AddedAtUtc]);
        }
        else if (entries.Count == 0)
        {
            cli.Error.MarkupLine(settings.Group is null
                ? "The watch list is empty: [bold]backlinks watch add DOMAIN…[/] adds to it."
                : $"No entry is in the group '{Display.Markup(settings.Group)}'.");
        }
        else
        {
            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn("Domain").AddColumn("Group").AddColumn("Every").AddColumn("One per domain").AddColumn("Enabled")
                .AddColumn("Next due (UTC)").AddColumn("Last queued (UTC)");
            foreach (var e in entries)
            {
                table.AddRow(Display.Markup(e.Domain), Display.Markup(e.Group), e.Every, e.OnePerDomain ? "yes" : "no", e.Enabled ? "yes" : "[yellow]no[/]",
                    e.NextDueUtc.ToString("u", CultureInfo.InvariantCulture), e.LastQueuedUtc?.ToString("u", CultureInfo.InvariantCulture) ?? "never");
            }
            cli.Out.Write(table);
        }
        return ExitCodes.Ok;
    }
}
