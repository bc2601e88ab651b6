using System.ComponentModel;
using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Domains;
using Backlinks.Jobs;
using Backlinks.Queries;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands;

/// <summary><c>backlinks metrics [DOMAIN] [--history]</c>: stored metrics, as Power BI would read them.</summary>
internal sealed class MetricsCommand(CliContext cli) : AsyncCommand<MetricsCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "[DOMAIN]")]
        [Description("Any spelling of the domain; without it, the latest metrics of every domain.")]
        public string? Domain { get; init; }

        [CommandOption("--history")]
        [Description("Every stored snapshot of the domain, oldest first.")]
        public bool History { get; init; }

        [CommandOption("--json")]
        [Description("The result as one JSON document on stdout; an error too, as {\"error\", \"message\"}.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            History && Domain is null
                ? ValidationResult.Error("--history needs a DOMAIN")
                : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string? domain = null;
        if (settings.Domain is not null)
        {
            var normalized = DomainName.Normalize(settings.Domain);
            domain = normalized.Domain ?? throw CliException.Usage($"'{settings.Domain}' is not a valid domain: {normalized.Error}.");
        }

        await using var services = await cli.CreatePipelineAsync(cancellationToken);
        var queries = services.GetRequiredService<JobQueries>();
        IReadOnlyList<MetricsView> rows = domain is null ? await queries.GetAllLatestMetricsAsync(cancellationToken)
            : settings.History ? await queries.GetMetricsHistoryAsync(domain, cancellationToken)
            : await queries.GetLatestMetricsAsync(domain, cancellationToken) is { } latest ? [latest]
            : [];
        if (domain is not null && rows.Count == 0)
        {
            throw new CliException($"no metrics are stored for {domain} yet: 'backlinks lookup {domain}' fetches them.", "metrics_not_found");
        }

        if (settings.Json)
        {
            Render.AsJson(cli, rows);
        }
        else if (rows.Count == 0)
        {
            cli.Error.WriteLine("No metrics are stored yet: 'backlinks submit' and 'backlinks work' (or 'backlinks lookup DOMAIN') fetch them.");
        }
        else
        {
            cli.Out.Write(Render.Metrics(rows, withTime: settings.History));
        }
        return ExitCodes.Ok;
    }
}
