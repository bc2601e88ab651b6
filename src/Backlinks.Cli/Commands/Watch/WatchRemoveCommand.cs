using System.ComponentModel;
using Backlinks.Cli.Hosting;
using Backlinks.Domains;
using Backlinks.Watching;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands.Watch;

/// <summary>
/// <c>backlinks watch remove DOMAIN…</c>: DELETE /api/watchlist/{domain} for each. Every domain is checked
/// first: one that is not valid or not watched stops the command before anything is removed.
/// </summary>
internal sealed class WatchRemoveCommand(CliContext cli) : AsyncCommand<WatchRemoveCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "<DOMAIN>")]
        [Description("Any spelling of the watched domains.")]
        public string[] Domains { get; init; } = [];
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var domains = new List<string>();
        foreach (var input in settings.Domains)
        {
            var normalized = DomainName.Normalize(input);
            domains.Add(normalized.Domain ?? throw CliException.Usage($"'{input}' is not a valid domain: {normalized.Error}."));
        }
        domains = domains.Distinct(StringComparer.Ordinal).ToList();

        await using var services = await cli.CreatePipelineAsync(cancellationToken);
        var store = services.GetRequiredService<WatchListStore>();
        var unknown = new List<string>();
        foreach (var domain in domains)
        {
            if (await store.GetAsync(domain, cancellationToken) is null)
            {
                unknown.Add(domain);
            }
        }
        if (unknown.Count > 0)
        {
            throw new CliException($"not on the watch list: {string.Join(", ", unknown)}; nothing was removed.", "not_watched");
        }

        var watchList = services.GetRequiredService<WatchList>();
        var removed = 0;
        foreach (var domain in domains)
        {
            removed += await watchList.RemoveAsync(domain, cancellationToken) ? 1 : 0;
        }
        cli.Out.MarkupLine($"Removed {removed} from the watch list (their stored snapshots stay).");
        return ExitCodes.Ok;
    }
}
