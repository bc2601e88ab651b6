using System.Globalization;
using Backlinks.DomDetailer;
using Backlinks.Storage;
using Backlinks.Testing;
using Backlinks.Throttling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Backlinks.Bench;

/// <summary>
/// One rate for the whole app: several worker processes (this program in <c>rate-worker</c> mode, each its
/// own OS process) call one fake API that allows a limit per second, through the pipeline's HTTP client (the
/// pacer and the account's shared call slots in Azurite). They start together and call as fast as the pacer
/// lets them for a set time. The figures: calls per second at the API, the most in any one second, 429s.
/// </summary>
public static class SharedRateBenchmark
{
    /// <summary>The coordinator: <c>shared-rate [limit per second] [workers] [seconds]</c>.</summary>
    public static async Task<int> RunAsync(string root, string[] args)
    {
        var limit = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var workers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var seconds = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 10;

        await using var azurite = await AzuriteProcess.StartAsync(root);
        await using var api = await FakeDomDetailer.StartAsync();
        api.RateLimitPerSecond = limit;
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["DomDetailer:BaseUrl"] = api.BaseUrl.ToString(),
            ["DomDetailer:ApiKey"] = api.ApiKey,
            ["DomDetailer:MaxRequestsPerSecond"] = limit.ToString(CultureInfo.InvariantCulture),
        };
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddBacklinksPipeline(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        await using (var provider = services.BuildServiceProvider())
        {
            await provider.GetRequiredService<StorageProvisioner>().CreateMissingAsync(CancellationToken.None);
        }

        var result = await RunWorkersAsync(typeof(SharedRateBenchmark).Assembly.Location, settings, api, workers, seconds);
        foreach (var run in result.Runs)
        {
            Console.Write(run.Output);
        }
        Console.WriteLine($"{workers} worker processes, API limit {limit}/s, client maximum {limit}/s, {seconds} s");
        Console.WriteLine(result.Summary(limit));
        return result.Runs.All(r => r.ExitCode == 0) ? 0 : 1;
    }

    /// <summary>
    /// Starts <paramref name="workers"/> processes of <paramref name="benchDll"/> in <c>rate-worker</c> mode; once every
    /// one is up and warm, tells them all to go, and they call for <paramref name="seconds"/>.
    /// </summary>
    public static Task<SharedRateResult> RunWorkersAsync(string benchDll, IReadOnlyDictionary<string, string?> settings, FakeDomDetailer api,
        int workers, double seconds, int concurrency = 8) =>
        RunWorkersAsync(StartWorkers(benchDll, settings, workers, seconds, concurrency), api, seconds);

    /// <summary>Starts the worker processes; they warm up and wait for <see cref="RunWorkersAsync(IReadOnlyList{WorkerProcess}, FakeDomDetailer, double)"/>.</summary>
    public static IReadOnlyList<WorkerProcess> StartWorkers(string benchDll, IReadOnlyDictionary<string, string?> settings, int workers, double seconds,
        int concurrency = 8) =>
        Enumerable.Range(1, workers).Select(i => WorkerProcess.Start(benchDll,
            ["rate-worker", seconds.ToString(CultureInfo.InvariantCulture), concurrency.ToString(CultureInfo.InvariantCulture)],
            settings.Append(KeyValuePair.Create("DomDetailer:App", (string?)$"worker{i}")))).ToList();

    /// <summary>Once every started worker is warm, tells them all to go and collects what they did; disposes them.</summary>
    public static async Task<SharedRateResult> RunWorkersAsync(IReadOnlyList<WorkerProcess> processes, FakeDomDetailer api, double seconds)
    {
        try
        {
            await Task.WhenAll(processes.Select(p => p.Ready)).WaitAsync(TimeSpan.FromMinutes(2));
            var startAt = DateTimeOffset.UtcNow;
            await Task.WhenAll(processes.Select(p => p.GoAsync()));
            var runs = await Task.WhenAll(processes.Select(p => p.WaitAsync(TimeSpan.FromSeconds(seconds + 60))));
            return new SharedRateResult(runs, api.Arrivals, startAt, TimeSpan.FromSeconds(seconds), api.RateLimitedCalls);
        }
        finally
        {
            foreach (var process in processes)
            {
                process.Dispose();
            }
        }
    }

    /// <summary>
    /// One worker: <c>rate-worker [seconds] [concurrency]</c>, settings from the environment as the CLI reads them. It
    /// warms up, prints "ready", waits for "go" on its input; then <c>concurrency</c> lanes call the API one call after
    /// another until the time is up.
    /// </summary>
    public static async Task<int> WorkerAsync(string[] args)
    {
        var seconds = double.Parse(args[0], CultureInfo.InvariantCulture);
        var concurrency = int.Parse(args[1], CultureInfo.InvariantCulture);

        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddBacklinksPipeline(configuration);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<DomDetailerClient>();
        var slots = provider.GetService<SharedCallSlots>();
        var rate = provider.GetRequiredService<AdaptiveRate>();
        var gate = provider.GetRequiredService<ApiGate>();
        var app = configuration["DomDetailer:App"];
        // Warm up first (the free balance endpoint, not counted as a call): a cold process's first call spends its
        // time in the JIT and the connection, and would reach the API long after its slot.
        await client.GetBalanceAsync(CancellationToken.None);
        Console.WriteLine(WorkerProcess.ReadyLine);
        if (await Console.In.ReadLineAsync() != WorkerProcess.GoLine)
        {
            return 1;
        }
        // The time is up for every lane at once, also for one waiting for its slot (a slot can be a second away).
        using var timeUp = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var calls = 0;
        var limited = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async lane =>
        {
            try
            {
                for (var i = 0; !timeUp.IsCancellationRequested; i++)
                {
                    // As a job does: take the account's learned rate and "not before", call, and share what a 429 taught.
                    if (!(await gate.CheckAsync(timeUp.Token)).MayCall)
                    {
                        await Task.Delay(100, timeUp.Token);
                        continue;
                    }
                    var result = await client.GetBacklinksAsync($"{app}-{lane}-{i}.example.com", onePerDomain: true, timeUp.Token);
                    Interlocked.Increment(ref calls);
                    if (result is BacklinksRateLimited limitedNow)
                    {
                        Interlocked.Increment(ref limited);
                        await gate.OnRateLimitedAsync(limitedNow.RetryAfter, CancellationToken.None);
                    }
                    else
                    {
                        await gate.ShareRateIfDueAsync(CancellationToken.None);
                    }
                }
            }
            catch (OperationCanceledException) when (timeUp.IsCancellationRequested)
            {
                // The time is up.
            }
        }));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{app}: {calls} calls, {limited} answered 429, {slots?.Claims ?? 0} batches claimed, {slots?.Expired ?? 0} slots expired unused, rate {rate.PerSecond:0.00}/s"));
        return 0;
    }
}

/// <summary>What the worker processes did, as the fake API saw it.</summary>
public sealed record SharedRateResult(IReadOnlyList<WorkerRun> Runs, IReadOnlyList<CallArrival> Arrivals, DateTimeOffset StartAt, TimeSpan Duration, int RateLimited)
{
    /// <summary>Calls that arrived while every worker was meant to be calling.</summary>
    public int CallsInTime => Arrivals.Count(a => a.At >= StartAt && a.At < StartAt + Duration);

    public double PerSecond => CallsInTime / Duration.TotalSeconds;

    public int MostInOneSecond => CallArrival.MostInOneSecond(Arrivals);

    public string Summary(int limit) => string.Create(CultureInfo.InvariantCulture,
        $"{CallsInTime} calls in {Duration.TotalSeconds:0.#} s: {PerSecond:0.00}/s ({100 * PerSecond / limit:0}% of {limit}/s); most in any 1 s: {MostInOneSecond}; 429 answers: {RateLimited}; calls per worker: {string.Join(", ", Arrivals.GroupBy(a => a.App).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))}");
}
