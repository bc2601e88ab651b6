using System.ComponentModel;
using System.Globalization;
using Azure;
using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Links;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands;

/// <summary>
/// <c>backlinks links DOMAIN [--status live|lost] [--changes new|lost] [--since DATE] [--csv|--json]</c>:
/// a domain's links (live by default), or the links it gained or lost.
/// </summary>
internal sealed class LinksCommand(CliContext cli) : AsyncCommand<LinksCommand.Settings>
{
    public static readonly string[] LinkColumns =
        ["Domain", "SourceUrl", "TargetUrl", "SourceDomain", "Anchor", "Title", "Nofollow", "IsGov", "IsEdu",
         "FirstSeenUtc", "LastSeenUtc", "FirstSeenJobId", "LastSeenJobId", "Status", "LostAtUtc"];

    public static readonly string[] ChangeColumns =
        ["Domain", "Change", "DetectedAtUtc", "JobId", "SourceUrl", "TargetUrl", "SourceDomain", "Anchor", "Nofollow"];

    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "<DOMAIN>")]
        [Description("Any spelling of the domain.")]
        public string Domain { get; init; } = "";

        [CommandOption("--status <STATUS>")]
        [Description("live (the default) or lost.")]
        public string? Status { get; init; }

        [CommandOption("--changes <CHANGE>")]
        [Description("new or lost: the links gained or lost, one row per link and snapshot.")]
        public string? Changes { get; init; }

        [CommandOption("--since <DATE>")]
        [Description("Links seen (lost links: lost; changes: detected) at or after this date or time, UTC.")]
        public string? Since { get; init; }

        [CommandOption("--csv")]
        [Description("RFC 4180 CSV on stdout, with a header row.")]
        public bool Csv { get; init; }

        [CommandOption("--json")]
        [Description("The result as one JSON document on stdout; an error too, as {\"error\", \"message\"}.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Status is not null && !LinkStatus.IsValid(Status) ? ValidationResult.Error("--status must be 'live' or 'lost'")
            : Changes is not null && !LinkChange.IsValid(Changes) ? ValidationResult.Error("--changes must be 'new' or 'lost'")
            : Status is not null && Changes is not null ? ValidationResult.Error("--status and --changes cannot be combined")
            : Csv && Json ? ValidationResult.Error("--csv and --json cannot be combined")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var domain = LinkArguments.Domain(settings.Domain);
        var since = LinkArguments.Since(settings.Since);
        await using var services = await cli.CreatePipelineAsync(cancellationToken);
        var queries = services.GetRequiredService<LinkQueries>();
        try
        {
            if (settings.Changes is { } change)
            {
                var changes = await ToListAsync(queries.AllChangesAsync(domain, change, since, cancellationToken));
                Show(settings, changes, ChangeColumns, c => [c.Domain, c.Change, c.DetectedAtUtc, c.JobId, c.SourceUrl, c.TargetUrl, c.SourceDomain, c.Anchor, c.Nofollow],
                    () => ChangesTable(changes), $"No {change} links are recorded for {domain}.");
            }
            else
            {
                var status = settings.Status ?? LinkStatus.Live;
                var links = await ToListAsync(queries.AllLinksAsync(domain, status, since, cancellationToken));
                Show(settings, links, LinkColumns, l => [l.Domain, l.SourceUrl, l.TargetUrl, l.SourceDomain, l.Anchor, l.Title, l.Nofollow, l.IsGov, l.IsEdu,
                    l.FirstSeenUtc, l.LastSeenUtc, l.FirstSeenJobId, l.LastSeenJobId, l.Status, l.LostAtUtc],
                    () => LinksTable(links), $"No {status} links are stored for {domain}.");
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new CliException($"the link tables do not exist yet: 'backlinks lookup {domain}' fetches links, 'backlinks replay' builds them from stored snapshots.", "link_tables_missing");
        }
        return ExitCodes.Ok;
    }

    private void Show<T>(Settings settings, IReadOnlyList<T> rows, string[] columns, Func<T, IEnumerable<object?>> fields, Func<Table> table, string none)
    {
        if (settings.Csv)
        {
            Output.Csv.Write(cli.Out.Profile.Out.Writer, columns, rows, fields);
        }
        else if (settings.Json)
        {
            Render.AsJson(cli, rows);
        }
        else if (rows.Count == 0)
        {
            cli.Out.WriteLine(none);
        }
        else
        {
            cli.Out.Write(table());
            cli.Error.WriteLine($"{rows.Count.ToString("N0", CultureInfo.InvariantCulture)} rows; --csv or --json have every column.");
        }
    }

    private static Table LinksTable(IEnumerable<LinkView> links)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("Source").AddColumn("Target").AddColumn("Anchor")
            .AddColumn("NF").AddColumn("Status").AddColumn("First seen").AddColumn("Last seen");
        foreach (var l in links)
        {
            table.AddRow(Display.Markup(l.SourceUrl), Display.Markup(l.TargetUrl), Display.Markup(l.Anchor), l.Nofollow ? "nf" : "", l.Status,
                Day(l.FirstSeenUtc), l.LostAtUtc is { } lost ? $"{Day(l.LastSeenUtc)} (lost {Day(lost)})" : Day(l.LastSeenUtc));
        }
        return table;
    }

    private static Table ChangesTable(IEnumerable<LinkChangeView> changes)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("Detected").AddColumn("Change").AddColumn("Source").AddColumn("Target").AddColumn("Anchor").AddColumn("NF");
        foreach (var c in changes)
        {
            table.AddRow(Day(c.DetectedAtUtc), c.Change, Display.Markup(c.SourceUrl), Display.Markup(c.TargetUrl), Display.Markup(c.Anchor), c.Nofollow ? "nf" : "");
        }
        return table;
    }

    internal static string Day(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }
        return list;
    }
}
