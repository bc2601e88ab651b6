using Azure.Core;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;

namespace Backlinks.Storage;

/// <summary>
/// How the app reaches storage, read from the same settings the Functions host reads: a connection
/// string in <c>AzureWebJobsStorage</c> (Azurite, local), or identity-based settings
/// <c>AzureWebJobsStorage__blobServiceUri</c> / <c>__queueServiceUri</c> / <c>__tableServiceUri</c>
/// (or <c>__accountName</c>) with <c>__credential</c> and <c>__clientId</c> (Azure, managed identity).
/// </summary>
public sealed record StorageConnection(
    string? ConnectionString,
    Uri? BlobServiceUri,
    Uri? QueueServiceUri,
    Uri? TableServiceUri,
    TokenCredential? Credential)
{
    public bool UsesIdentity => ConnectionString is null;

    public static StorageConnection ForConnectionString(string connectionString) => new(connectionString, null, null, null, null);

    public static StorageConnection FromConfiguration(IConfiguration configuration, AzureComponentFactory components)
    {
        var section = configuration.GetSection(StorageOptions.ConnectionSetting);
        if (section.Value is { Length: > 0 } connectionString)
        {
            return ForConnectionString(connectionString);
        }

        var account = section["accountName"];
        var blob = ServiceUri(section, "blob", account);
        var queue = ServiceUri(section, "queue", account);
        var table = ServiceUri(section, "table", account);
        if (blob is null && queue is null && table is null)
        {
            return ForConnectionString(StorageOptions.DevelopmentConnection);
        }
        if (blob is null || queue is null || table is null)
        {
            throw new InvalidOperationException(
                "Identity-based storage needs all of AzureWebJobsStorage__blobServiceUri, __queueServiceUri and " +
                "__tableServiceUri (or AzureWebJobsStorage__accountName): the app uses blobs, queues and tables.");
        }
        // The same reader the Functions host uses: credential=managedidentity with clientId gives a
        // ManagedIdentityCredential for that user-assigned identity; without it, DefaultAzureCredential.
        return new StorageConnection(null, blob, queue, table, components.CreateTokenCredential(section));
    }

    private static Uri? ServiceUri(IConfigurationSection section, string service, string? account) =>
        section[$"{service}ServiceUri"] is { Length: > 0 } uri ? new Uri(uri)
        : account is { Length: > 0 } ? new Uri($"https://{account}.{service}.core.windows.net")
        : null;
}
