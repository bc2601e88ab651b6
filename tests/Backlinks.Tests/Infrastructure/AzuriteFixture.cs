namespace Backlinks.Tests.Infrastructure;

/// <summary>
/// A real Azurite (blob, queue, table) for the integration tests. One Azurite serves every test class
/// at once, so that the classes run in parallel (each test uses its own queue, container and table
/// names). It starts with the first class that needs it and stops when the test run ends: stopping it
/// whenever no class happened to be using it cost a restart (about 2.5 s) between the classes that run alone.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime, IAzurite
{
    private static readonly AzuriteForTheRun Shared = new();

    private AzuriteProcess? _azurite;

    public string ConnectionString => _azurite?.ConnectionString ?? throw new InvalidOperationException("Azurite has not started.");

    public async Task InitializeAsync()
    {
        QuietAzuriteFixture.StartEarly();
        _azurite = await Shared.StartedAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>One Azurite process for the rest of the test run: started on first use, stopped when the run ends.</summary>
internal sealed class AzuriteForTheRun
{
    private readonly Lazy<Task<AzuriteProcess>> _process = new(async () =>
    {
        var azurite = await AzuriteProcess.StartAsync(RepoPaths.Root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return azurite;
    });

    public Task<AzuriteProcess> StartedAsync() => _process.Value;
}

/// <summary>
/// The tests that run alone, after the parallel ones: those that measure rates or timings on the real clock
/// (a loaded machine would turn their figures into flakes), and those that listen to the process-wide
/// ActivitySource and Meter (other tests' spans and metrics would land in their exporters).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunAloneCollection : ICollectionFixture<QuietAzuriteFixture>, ICollectionFixture<Throttling.SharedRateWorkers>
{
    public const string Name = "run-alone";
}

/// <summary>The storage emulator a <see cref="TestPipeline"/> runs against.</summary>
public interface IAzurite
{
    string ConnectionString { get; }
}

/// <summary>
/// An Azurite of their own for the tests that run alone and time calls on the real clock. By the time they run, the
/// shared one holds the dead messages of every queue test before them, and Azurite's sweep of those (one synchronous
/// pass that deletes them one by one) blocked it for over 3 s: the calls it paced stopped for as long. The sweep is now
/// off in the tests' Azurites (no-queue-sweep.cjs), but what the shared one holds still costs each of its requests.
/// It starts beside the shared one (see <see cref="StartEarly"/>), so that it is up when the parallel tests end.
/// </summary>
public sealed class QuietAzuriteFixture : IAsyncLifetime, IAzurite
{
    private static readonly AzuriteForTheRun Quiet = new();

    private AzuriteProcess? _azurite;

    public string ConnectionString => _azurite?.ConnectionString ?? throw new InvalidOperationException("Azurite has not started.");

    /// <summary>Starts it now, without waiting.</summary>
    public static void StartEarly() => _ = Quiet.StartedAsync();

    public async Task InitializeAsync() => _azurite = await Quiet.StartedAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}
