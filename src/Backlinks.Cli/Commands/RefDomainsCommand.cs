using System.ComponentModel;
using Azure;
using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Links;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands;

/// <summary><c>backlinks refdomains DOMAIN [--csv|--json]</c>: the hosts that link to a domain, live ones first.</summary>
internal sealed class RefDomainsCommand(CliContext cli) : AsyncCommand<RefDomainsCommand.Settings>
{
    public static readonly string[] Columns =
        ["Domain", "RefDomain", "LiveLinks", "DofollowLinks", "FirstSeenUtc", "LastSeenUtc", "Status", "IsGov", "IsEdu", "Tld"];

    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "<DOMAIN>")]
        [Description("Any spelling of the domain.")]
        public string Domain { get; init; } = "";

        [CommandOption("--csv")]
        [Description("RFC 4180 CSV on stdout, with a header row.")]
        public bool Csv { get; init; }

        [CommandOption("--json")]
        [Description("The result as one JSON document on stdout; an error too, as {\"error\", \"message\"}.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Csv && Json ? ValidationResult.Error("--csv and --json cannot be combined") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var domain = LinkArguments.Domain(settings.Domain);
        await using var services = await cli.CreatePipelineAsync(cancellationToken);
        IReadOnlyList<RefDomainView> rows;
        try
        {
            rows = [.. (await services.GetRequiredService<LinkQueries>().GetRefDomainsAsync(domain, cancellationToken))
                .OrderByDescending(r => r.LiveLinks).ThenBy(r => r.RefDomain, StringComparer.Ordinal)];
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new CliException($"the link tables do not exist yet: 'backlinks lookup {domain}' fetches links, 'backlinks replay' builds them from stored snapshots.", "link_tables_missing");
        }

        if (settings.Csv)
        {
            Csv.Write(cli.Out.Profile.Out.Writer, Columns, rows,
                r => [r.Domain, r.RefDomain, r.LiveLinks, r.DofollowLinks, r.FirstSeenUtc, r.LastSeenUtc, r.Status, r.IsGov, r.IsEdu, r.Tld]);
        }
        else if (settings.Json)
        {
            Render.AsJson(cli, rows);
        }
        else if (rows.Count == 0)
        {
            cli.Out.WriteLine($"No referring domains are stored for {domain}.");
        }
        else
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumn("Referring domain")
                .AddColumn(new TableColumn("Live").RightAligned()).AddColumn(new TableColumn("Dofollow").RightAligned())
                .AddColumn("Status").AddColumn("First seen").AddColumn("Last seen").AddColumn("TLD");
            foreach (var r in rows)
            {
                table.AddRow(Display.Markup(r.RefDomain), r.LiveLinks.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    r.DofollowLinks.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Status,
                    LinksCommand.Day(r.FirstSeenUtc), LinksCommand.Day(r.LastSeenUtc), Display.Markup(r.Tld) + (r.IsGov ? " (gov)" : r.IsEdu ? " (edu)" : ""));
            }
            cli.Out.Write(table);
        }
        return ExitCodes.Ok;
    }
}
