namespace Backlinks.Tests.Infrastructure;

/// <summary>
/// A real Azurite (blob, queue, table) for the integration tests. One Azurite serves every test class
/// at once, so that the classes run in parallel (each test uses its own queue, container and table
/// names); it starts with the first class that needs it and stops when the last one is done.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static AzuriteProcess? _shared;
    private static int _users;

    public string ConnectionString => _shared?.ConnectionString ?? throw new InvalidOperationException("Azurite has not started.");

    public async Task InitializeAsync()
    {
        await Gate.WaitAsync();
        try
        {
            _shared ??= await AzuriteProcess.StartAsync(RepoPaths.Root);
            _users++;
        }
        finally
        {
            Gate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (--_users == 0 && _shared is not null)
            {
                await _shared.DisposeAsync();
                _shared = null;
            }
        }
        finally
        {
            Gate.Release();
        }
    }
}

/// <summary>
/// The tests that run alone, after the parallel ones: those that measure rates or timings on the real clock
/// (a loaded machine would turn their figures into flakes), and those that listen to the process-wide
/// ActivitySource and Meter (other tests' spans and metrics would land in their exporters).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunAloneCollection
{
    public const string Name = "run-alone";
}
