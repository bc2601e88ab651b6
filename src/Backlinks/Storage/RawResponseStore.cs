using System.Globalization;
using Azure;
using Azure.Storage.Blobs.Models;

namespace Backlinks.Storage;

/// <summary>Keeps each API answer byte for byte in <c>backlinks-raw/{domain}/{yyyy}/{MM}/{dd}/{jobId}.json</c>.</summary>
public sealed class RawResponseStore(StorageClients storage)
{
    public static string PathFor(string domain, DateTimeOffset fetchedAt, string jobId)
    {
        var utc = fetchedAt.UtcDateTime;
        return string.Create(CultureInfo.InvariantCulture, $"{domain}/{utc:yyyy}/{utc:MM}/{utc:dd}/{jobId}.json");
    }

    /// <summary>Uploads the bytes; the path is keyed on the job, so a redelivery overwrites rather than adds.</summary>
    public async Task UploadAsync(string path, ReadOnlyMemory<byte> rawJson, IDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var blob = storage.RawContainer.GetBlobClient(path);
        await blob.UploadAsync(BinaryData.FromBytes(rawJson), new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
            Metadata = metadata,
        }, cancellationToken);
    }

    /// <summary>The stored answer at <paramref name="path"/>, or null when none is there.</summary>
    public async Task<StoredAnswer?> FindAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var download = await storage.RawContainer.GetBlobClient(path).DownloadContentAsync(cancellationToken);
            return new StoredAnswer(path, download.Value.Content.ToMemory(), download.Value.Details.Metadata);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }
}

/// <summary>An answer as stored: its bytes and the metadata written with it.</summary>
public sealed record StoredAnswer(string Path, ReadOnlyMemory<byte> RawJson, IDictionary<string, string> Metadata);
