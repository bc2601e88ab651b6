using System.Globalization;
using Azure;
using Azure.Storage.Blobs.Models;
using Backlinks.DomDetailer;
using Backlinks.Storage;

namespace Backlinks.Links;

/// <summary>A raw blob as listed: its path and what its metadata says (no download).</summary>
public sealed record StoredSnapshotInfo(string RawBlobPath, string Domain, string JobId, DateTimeOffset FetchedAtUtc, bool OnePerDomain);

/// <summary>
/// Reads the raw API answers back from <c>backlinks-raw</c>: the source every derived table can be
/// rebuilt from. The blob's metadata (<c>jobId</c>, <c>domain</c>, <c>fetchedAtUtc</c>, <c>onePerDomain</c>,
/// written by the job) says which snapshot it is.
/// </summary>
public sealed class RawSnapshots(StorageClients storage)
{
    /// <summary>Every raw blob (of one domain, when given) whose metadata is complete; others are counted in <paramref name="unreadable"/>.</summary>
    public async Task<List<StoredSnapshotInfo>> ListAsync(string? domain, Action<string>? unreadable, CancellationToken cancellationToken)
    {
        var found = new List<StoredSnapshotInfo>();
        try
        {
            await foreach (var blob in storage.RawContainer.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, domain is null ? null : domain + "/", cancellationToken))
            {
                if (Describe(blob.Name, blob.Metadata) is { } info && (domain is null || info.Domain == domain))
                {
                    found.Add(info);
                }
                else
                {
                    unreadable?.Invoke(blob.Name);
                }
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No container: nothing was ever stored.
        }
        return found;
    }

    /// <summary>
    /// The snapshot a job stored, or null: for resuming a job that crashed after its raw blob was written
    /// (its path holds the fetch day, which the job row may not know): apply it instead of calling again.
    /// </summary>
    public async Task<StoredSnapshot?> FindForJobAsync(string domain, string jobId, CancellationToken cancellationToken)
    {
        var stored = (await ListAsync(domain, null, cancellationToken)).FirstOrDefault(s => s.JobId == jobId);
        return stored is null ? null : await TryReadAsync(stored.RawBlobPath, cancellationToken);
    }

    /// <summary>The snapshot in a raw blob, or null when it is missing or not a stored answer.</summary>
    public async Task<StoredSnapshot?> TryReadAsync(string rawBlobPath, CancellationToken cancellationToken)
    {
        try
        {
            var content = (await storage.RawContainer.GetBlobClient(rawBlobPath).DownloadContentAsync(cancellationToken)).Value;
            return Describe(rawBlobPath, content.Details.Metadata) is { } info
                && BacklinksResponseParser.TryParse(content.Content.ToMemory().Span, out var response, out _)
                ? new StoredSnapshot(info.Domain, info.JobId, info.FetchedAtUtc, info.OnePerDomain, rawBlobPath, response!)
                : null;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public static StoredSnapshotInfo? Describe(string path, IDictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return null;
        }
        // Metadata names are case-insensitive in the service; read them so.
        var meta = new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase);
        return meta.TryGetValue("jobId", out var jobId) && jobId.Length > 0
            && meta.TryGetValue("domain", out var domain) && domain.Length > 0
            && meta.TryGetValue("fetchedAtUtc", out var fetched)
            && DateTimeOffset.TryParse(fetched, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var fetchedAt)
            ? new StoredSnapshotInfo(path, domain, jobId, fetchedAt.ToUniversalTime(),
                meta.TryGetValue("onePerDomain", out var one) && bool.TryParse(one, out var onePerDomain) && onePerDomain)
            : null;
    }
}
