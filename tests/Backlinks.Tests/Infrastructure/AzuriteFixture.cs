namespace Backlinks.Tests.Infrastructure;

/// <summary>A real Azurite (blob, queue, table) shared by the integration tests, started and stopped with them.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;

    public string ConnectionString => _azurite?.ConnectionString ?? throw new InvalidOperationException("Azurite has not started.");

    public async Task InitializeAsync() => _azurite = await AzuriteProcess.StartAsync(RepoPaths.Root);

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
