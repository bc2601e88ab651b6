using System.Globalization;
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
}
