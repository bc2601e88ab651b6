using Backlinks.Cli.Hosting;
using Backlinks.Domains;
using Backlinks.Links;

namespace Backlinks.Cli.Commands;

/// <summary>How the link commands read a domain and a date, with the same errors as the rest of the CLI.</summary>
internal static class LinkArguments
{
    public static string Domain(string input)
    {
        var normalized = DomainName.Normalize(input);
        return normalized.Domain ?? throw CliException.Usage($"'{input}' is not a valid domain: {normalized.Error}.");
    }

    public static DateTimeOffset? Since(string? input) =>
        input is null ? null
        : LinkFilters.TryParseSince(input, out var since) ? since
        : throw CliException.Usage($"--since '{input}' is not {LinkFilters.SinceFormat}.");
}
