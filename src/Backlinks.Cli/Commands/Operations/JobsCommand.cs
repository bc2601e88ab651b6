using System.ComponentModel;
using System.Globalization;
using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Operations;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands.Operations;

/// <summary><c>backlinks jobs</c>: jobs newest first, as GET /api/jobs; reads only the day partitions since --since.</summary>
internal sealed class JobsCommand(CliContext cli) : AsyncCommand<JobsCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("--status <STATUS>")]
        [Description("Only jobs in this state: queued, running, waiting, succeeded, failed or cancelled.")]
        public string? Status { get; init; }

        [CommandOption("--since <DATE>")]
        [Description("Jobs created at or after this date or time, UTC (default: the last 7 days; at most 366 days back).")]
        public string? Since { get; init; }

        [CommandOption("--domain <DOMAIN>")]
        [Description("Only the jobs of this domain (any spelling).")]
        public string? Domain { get; init; }

        [CommandOption("--limit <N>")]
        [Description("At most this many jobs, newest first (default 100, at most 1000).")]
        public int? Limit { get; init; }

        [CommandOption("--csv")]
        [Description("RFC 4180 CSV on stdout, with a header row.")]
        public bool Csv { get; init; }

        [CommandOption("--json")]
        [Description("The result as one JSON document on stdout; an error too, as {\"error\", \"message\"}.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Csv && Json ? ValidationResult.Error("--csv and --json cannot be combined") : ValidationResult.Success();
    }

    private static readonly string[] Columns =
        ["jobId", "domain", "status", "attempts", "retries", "force", "createdAtUtc", "updatedAtUtc", "completedAtUtc", "waitReason", "nextAttemptAtUtc", "lastError", "servedFromCache"];

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var services = await cli.CreatePipelineAsync(cancellationToken);
        var listing = services.GetRequiredService<JobListQuery>();
        if (!listing.TryCreateFilter(settings.Status, settings.Since, settings.Domain, settings.Limit, out var filter, out var error))
        {
            throw CliException.Usage(error);
        }
        var list = await listing.ListAsync(filter, cancellationToken);

        if (settings.Csv)
        {
            Output.Csv.Write(cli.Out.Profile.Out.Writer, Columns, list.Jobs, j => [j.JobId, j.Domain, j.Status, j.Attempts, j.Retries, j.Force,
                j.CreatedAtUtc, j.UpdatedAtUtc, j.CompletedAtUtc, j.WaitReason, j.NextAttemptAtUtc, j.LastError, j.ServedFromCache]);
        }
        else if (settings.Json)
        {
            Render.AsJson(cli, list);
        }
        else if (list.Jobs.Count == 0)
        {
            cli.Error.WriteLine($"No jobs{Described(list)} since {list.Since:u}.");
        }
        else
        {
            cli.Out.Write(Table(list.Jobs));
            cli.Error.WriteLine(list.Truncated
                ? $"The newest {Display.Count(list.Jobs.Count, "job")}{Described(list)} since {list.Since:u}; more matched: --limit or a later --since."
                : $"{Display.Count(list.Jobs.Count, "job")}{Described(list)} since {list.Since:u}.");
        }
        return ExitCodes.Ok;
    }

    private static string Described(JobListView list) =>
        (list.Status is { } status ? $" {status}" : "") + (list.Domain is { } domain ? $" for {domain}" : "");

    private static Table Table(IEnumerable<JobSummaryView> jobs)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("Job").AddColumn("Domain").AddColumn("Status")
            .AddColumn(new TableColumn("Att.").RightAligned()).AddColumn("Created (UTC)").AddColumn("Detail");
        foreach (var j in jobs)
        {
            var detail = j.WaitReason is { } reason ? $"{reason} until {j.NextAttemptAtUtc:u}"
                : j.ServedFromCache ? "served from cache"
                : j.LastError ?? "";
            table.AddRow(j.JobId, Display.Markup(j.Domain), Render.Status(j.Status), j.Attempts.ToString(CultureInfo.InvariantCulture),
                j.CreatedAtUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), Display.Markup(detail));
        }
        return table;
    }
}
