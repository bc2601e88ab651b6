using System.Reflection;
using Backlinks.Bench;
using Backlinks.Testing;
using Backlinks.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Backlinks.Tests.Throttling;

/// <summary>
/// The API's rate belongs to the account, not to an instance: three worker processes (the benchmark's
/// <c>rate-worker</c>, each its own OS process, calling through the pipeline's HTTP client) share one Azurite
/// and one fake API that allows <see cref="SharedRateWorkers.Limit"/> calls per second, each configured with that same maximum.
/// Together they must stay within it, and still reach 90 % of it.
/// </summary>
/// <remarks>
/// A timing test across processes: on a machine so overloaded that processes stall for hundreds of milliseconds
/// (the fake then stamps calls that were sent apart as arriving together), it can fail without a defect; the
/// printed arrivals show such stalls as several calls in the same millisecond.
/// </remarks>
[Trait("Category", "SharedRate")]
[Collection(RunAloneCollection.Name)]
public sealed class OneRateAcrossProcessesTests(SharedRateWorkers workers, ITestOutputHelper output)
{
    [Fact]
    public async Task Three_worker_processes_together_stay_within_the_apis_rate_and_reach_90_percent_of_it()
    {
        const int Limit = SharedRateWorkers.Limit;
        const double Seconds = SharedRateWorkers.Seconds;

        var result = await SharedRateBenchmark.RunWorkersAsync(workers.Processes, workers.Pipeline.Api, Seconds);

        foreach (var run in result.Runs)
        {
            output.WriteLine(run.Output.TrimEnd());
        }
        output.WriteLine(result.Summary(Limit));
        var times = result.Arrivals.OrderBy(a => a.At).ToList();
        output.WriteLine(string.Join(" ", times.Select(a => $"{a.App[^1]}:{(a.At - result.StartAt).TotalMilliseconds:0}")));
        Assert.All(result.Runs, run => Assert.True(run.ExitCode == 0, run.Output));
        Assert.True(result.MostInOneSecond <= Limit, $"{result.MostInOneSecond} calls within one second; the API allows {Limit}");
        Assert.Equal(0, result.RateLimited);
        // Every process took part: the rate was shared, not left to one of them.
        Assert.Equal(SharedRateWorkers.Count, result.Arrivals.Select(a => a.App).Distinct().Count());
        Assert.All(result.Arrivals.GroupBy(a => a.App),
            worker => Assert.True(worker.Count() >= Limit * Seconds / SharedRateWorkers.Count / 3, $"{worker.Key} made {worker.Count()} calls"));
        Assert.True(result.PerSecond >= 0.9 * Limit, $"{result.PerSecond:0.00} calls/s, under 90% of {Limit}/s");
    }
}

/// <summary>
/// The worker processes of <see cref="OneRateAcrossProcessesTests"/>, with the pipeline (on the run-alone Azurite) and
/// the fake API they share. A collection fixture, so that they start with the run-alone tests: each spends a second or
/// more of CPU starting the runtime and compiling the pipeline, which it does while the tests before it run, and then
/// waits, warm, for the test to tell it to go. (A filtered run that leaves the test out starts and ends them unused.)
/// </summary>
public sealed class SharedRateWorkers : IAsyncLifetime
{
    public const int Limit = 20;
    public const int Count = 3;
    public const double Seconds = 5;

    private static readonly string Configuration =
        typeof(SharedRateWorkers).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

    public TestPipeline Pipeline { get; private set; } = null!;

    public IReadOnlyList<WorkerProcess> Processes { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var azurite = new QuietAzuriteFixture();
        await azurite.InitializeAsync();
        Pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["DomDetailer:MaxRequestsPerSecond"] = $"{Limit}",
        }, systemClock: true);
        Pipeline.Api.RateLimitPerSecond = Limit;
        var bench = RepoPaths.Combine("bench", "Backlinks.Bench", "bin", Configuration, "net10.0", "Backlinks.Bench.dll");
        Processes = SharedRateBenchmark.StartWorkers(bench, Pipeline.Settings, Count, Seconds);
    }

    public async Task DisposeAsync()
    {
        // Closing a worker's input ends one that was never told to go.
        foreach (var process in Processes)
        {
            process.Dispose();
        }
        await Pipeline.DisposeAsync();
    }
}
