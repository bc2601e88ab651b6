using Backlinks.DomDetailer;

namespace Backlinks.Links;

/// <summary>One link as a snapshot shows it, its text already cut to the stored lengths.</summary>
public sealed record LinkObservation(
    string Key,
    string SourceUrl,
    string TargetUrl,
    string SourceDomain,
    string Anchor,
    string Title,
    bool Nofollow);

/// <summary>
/// The distinct links of one answer. Rows repeated inside the answer (same source and target) are one
/// link, as the first of them shows it; rows without a source or a target are skipped and counted.
/// </summary>
public sealed class SnapshotLinks
{
    private SnapshotLinks(IReadOnlyDictionary<string, LinkObservation> links, int rows, int skippedRows)
    {
        Links = links;
        Rows = rows;
        SkippedRows = skippedRows;
    }

    /// <summary>By key, in the order of the answer.</summary>
    public IReadOnlyDictionary<string, LinkObservation> Links { get; }

    /// <summary>Rows in the answer, repeated and skipped ones included (what the API's 5,000 cap counts).</summary>
    public int Rows { get; }

    public int SkippedRows { get; }

    public static SnapshotLinks From(BacklinksResponse response)
    {
        var links = new Dictionary<string, LinkObservation>(response.Backlinks.Count, StringComparer.Ordinal);
        var skipped = 0;
        foreach (var row in response.Backlinks)
        {
            // The API's JSON may hold a null row, or one without its URLs: nothing to key it on.
            if (row is null || string.IsNullOrWhiteSpace(row.Source) || string.IsNullOrWhiteSpace(row.Target))
            {
                skipped++;
                continue;
            }
            var key = LinkKey.For(row.Source, row.Target);
            if (!links.ContainsKey(key))
            {
                links[key] = new LinkObservation(
                    key,
                    LinkText.Url(row.Source),
                    LinkText.Url(row.Target),
                    SourceHost.Of(row.Source),
                    // The API reference's own rule: an empty anchor falls back to the title.
                    LinkText.Text(row.Anchor),
                    LinkText.Text(row.Title),
                    row.IsNofollow);
            }
        }
        return new SnapshotLinks(links, response.Backlinks.Count, skipped);
    }
}
