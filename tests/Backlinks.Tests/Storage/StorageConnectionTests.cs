using Azure.Identity;
using Backlinks.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Backlinks.Tests.Storage;

/// <summary>One code path picks connection string or identity, from the settings the Functions host reads.</summary>
public class StorageConnectionTests
{
    private static ServiceProvider Pipeline(Dictionary<string, string?> settings)
    {
        settings["DomDetailer:ApiKey"] = "unused";
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddBacklinksPipeline(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return services.BuildServiceProvider();
    }

    [Fact]
    public void A_connection_string_is_used_as_it_is()
    {
        const string connection = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";
        using var services = Pipeline(new() { ["AzureWebJobsStorage"] = connection });

        var resolved = services.GetRequiredService<StorageConnection>();
        var clients = services.GetRequiredService<StorageClients>();

        Assert.False(resolved.UsesIdentity);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1/backlink-jobs"), clients.JobsQueue.Uri);
        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1/backlinks-raw"), clients.RawContainer.Uri);
    }

    [Fact]
    public void Nothing_configured_means_azurite()
    {
        using var services = Pipeline([]);

        Assert.Equal(StorageOptions.DevelopmentConnection, services.GetRequiredService<StorageConnection>().ConnectionString);
    }

    [Fact]
    public void Identity_settings_give_service_uris_and_the_user_assigned_managed_identity()
    {
        using var services = Pipeline(new()
        {
            ["AzureWebJobsStorage:blobServiceUri"] = "https://stbacklinks.blob.core.windows.net/",
            ["AzureWebJobsStorage:queueServiceUri"] = "https://stbacklinks.queue.core.windows.net/",
            ["AzureWebJobsStorage:tableServiceUri"] = "https://stbacklinks.table.core.windows.net/",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
            ["AzureWebJobsStorage:clientId"] = "00000000-0000-0000-0000-0000000000aa",
        });

        var resolved = services.GetRequiredService<StorageConnection>();
        var clients = services.GetRequiredService<StorageClients>();

        Assert.True(resolved.UsesIdentity);
        Assert.IsType<ManagedIdentityCredential>(resolved.Credential);
        Assert.Equal(new Uri("https://stbacklinks.queue.core.windows.net/backlink-jobs"), clients.JobsQueue.Uri);
        Assert.Equal(new Uri("https://stbacklinks.queue.core.windows.net/backlink-jobs-poison"), clients.PoisonQueue.Uri);
        Assert.Equal(new Uri("https://stbacklinks.blob.core.windows.net/backlinks-raw"), clients.RawContainer.Uri);
        Assert.Equal("backlinkjobs", clients.JobsTable.Name);
        Assert.Equal("stbacklinks", clients.JobsTable.AccountName);
    }

    [Fact]
    public void An_account_name_alone_derives_the_service_uris()
    {
        using var services = Pipeline(new()
        {
            ["AzureWebJobsStorage:accountName"] = "stbacklinks",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
        });

        var resolved = services.GetRequiredService<StorageConnection>();

        Assert.Equal(new Uri("https://stbacklinks.table.core.windows.net"), resolved.TableServiceUri);
        Assert.IsType<ManagedIdentityCredential>(resolved.Credential);
    }

    [Fact]
    public void Identity_settings_missing_a_service_are_refused_with_the_setting_names()
    {
        using var services = Pipeline(new() { ["AzureWebJobsStorage:blobServiceUri"] = "https://stbacklinks.blob.core.windows.net/" });

        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<StorageConnection>());

        Assert.Contains("AzureWebJobsStorage__blobServiceUri, __queueServiceUri and __tableServiceUri", error.Message);
    }
}
