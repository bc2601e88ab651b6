using System.ComponentModel;
using System.Text;
using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Submissions;
using Backlinks.Watching;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands.Watch;

/// <summary>
/// <c>backlinks watch add FILE|-|DOMAIN… [--group G] [--every 7d] [--one-per-domain]</c>: POST /api/watchlist
/// from the command line. One argument naming a file (or '-') is read as a list, in the formats of <c>submit</c>.
/// </summary>
internal sealed class WatchAddCommand(CliContext cli) : AsyncCommand<WatchAddCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "<INPUT>")]
        [Description("Domains, or one file (lines, CSV with 'domain' and optional 'group' and 'every' columns, JSON); '-' reads stdin.")]
        public string[] Inputs { get; init; } = [];

        [CommandOption("--group <GROUP>")]
        [Description("Free text such as 'clients' or 'competitors:acme'; left as it is on entries already watched when not given.")]
        public string? Group { get; init; }

        [CommandOption("--every <INTERVAL>")]
        [Description("How often to refresh: 12h, 1d, 7d or d.hh:mm:ss; at least 1 hour. New entries: 7d when not given.")]
        public string? Every { get; init; }

        [CommandOption("--one-per-domain")]
        [Description("At most one backlink per referring domain in each refresh.")]
        public bool OnePerDomain { get; init; }

        [CommandOption("--json")]
        [Description("Print the result as JSON, like POST /api/watchlist answers.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var watchSettings = new WatchSettings(OnePerDomain: settings.OnePerDomain ? true : null);
        if (settings.Every is not null)
        {
            if (!WatchInterval.TryParse(settings.Every, out var every, out var error))
            {
                throw CliException.Usage($"--every {error}");
            }
            watchSettings = watchSettings with { Every = every };
        }
        if (settings.Group is not null)
        {
            if (WatchRequestParser.GroupError(settings.Group) is { } error)
            {
                throw CliException.Usage($"--group: {error}.");
            }
            watchSettings = watchSettings with { Group = settings.Group };
        }
        var (body, format) = await ReadAsync(settings.Inputs, cancellationToken);

        await using var services = await cli.CreatePipelineAsync(cancellationToken);
        var outcome = await services.GetRequiredService<WatchList>().AddAsync(new WatchAddInput(body, format, watchSettings), cancellationToken);
        switch (outcome.Status)
        {
            case WatchAddStatus.Refused:
                // Input that cannot be read is refused as submit refuses it: nothing added, exit 3, the same error code.
                throw new CliException(outcome.Problem!.Message, outcome.Problem.Error, ExitCodes.NothingSubmitted);
            case WatchAddStatus.NothingValid:
                Report(settings, outcome.Response!);
                return ExitCodes.NothingSubmitted;
            default:
                Report(settings, outcome.Response!);
                return outcome.Response!.Rejected.Count > 0 ? ExitCodes.SomeRejected : ExitCodes.Ok;
        }
    }

    private async Task<(byte[] Body, SubmissionFormat Format)> ReadAsync(string[] inputs, CancellationToken cancellationToken)
    {
        if (inputs is [var only] && (only == SubmitCommand.StdinArgument || File.Exists(only)))
        {
            var body = await SubmitCommand.ReadAsync(cli, only, cancellationToken);
            return (body, only == SubmitCommand.StdinArgument ? LookupRequestParser.FormatForContent(body) : LookupRequestParser.FormatForFile(only, body));
        }
        if (inputs.Contains(SubmitCommand.StdinArgument))
        {
            throw CliException.Usage("'-' (read stdin) cannot be combined with other inputs.");
        }
        return (Encoding.UTF8.GetBytes(string.Join('\n', inputs)), SubmissionFormat.Lines);
    }

    private void Report(Settings settings, WatchAddResponse response)
    {
        if (settings.Json)
        {
            Render.AsJson(cli, response);
            return;
        }
        var console = cli.Out;
        console.MarkupLine($"Added [green]{response.Added.Count}[/] · updated {response.Updated.Count} · unchanged {response.Unchanged.Count} · duplicates {response.Duplicates.Count} · rejected [red]{response.Rejected.Count}[/]");
        if (response.Rejected.Count > 0)
        {
            var rejected = new Table().Border(TableBorder.Rounded).AddColumn(new TableColumn("Line").RightAligned()).AddColumn("Input").AddColumn("Rejected because");
            foreach (var item in response.Rejected)
            {
                rejected.AddRow(item.Line?.ToString() ?? "", Display.InputMarkup(item.Input), Display.Markup(item.Reason));
            }
            console.Write(rejected);
        }
        if (response.Added.Count > 0)
        {
            console.MarkupLine("New entries are due at once: the next scheduled run (or [bold]backlinks watch run[/]) queues them.");
        }
    }
}
