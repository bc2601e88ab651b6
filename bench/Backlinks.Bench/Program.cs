using System.Diagnostics;
using System.Globalization;
using Backlinks;
using Backlinks.Storage;
using Backlinks.Submissions;
using Backlinks.Testing;
using Backlinks.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// The rate benchmark: N jobs through submission and the queue worker against the sandbox API enforcing
// a limit of L calls per second (429 with Retry-After 1 beyond it). The client's maximum rate is the
// fourth argument, or the default setting (DomDetailer__MaxRequestsPerSecond, 5/s) when it is omitted:
// then the client does not know the limit and must learn it from the 429s. It reports the rate achieved
// and the 429s seen. Real Azurite, real clock, loopback only.
//   dotnet run -c Release --project bench/Backlinks.Bench -- [jobs] [limit per second] [concurrency] [client max per second]
// With "ingest" first, the ingest benchmark instead (IngestBenchmark.cs): -- ingest [runs]
// With "shared-rate" first, several worker processes sharing one rate (SharedRateBenchmark.cs): -- shared-rate [limit] [workers] [seconds]
if (args is ["ingest", .. var ingestArgs])
{
    return await Backlinks.Bench.IngestBenchmark.RunAsync(FindRepositoryRoot(), ingestArgs);
}
if (args is ["shared-rate", .. var sharedArgs])
{
    return await Backlinks.Bench.SharedRateBenchmark.RunAsync(FindRepositoryRoot(), sharedArgs);
}
if (args is ["rate-worker", .. var workerArgs])
{
    return await Backlinks.Bench.SharedRateBenchmark.WorkerAsync(workerArgs);
}

var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
var limit = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8;
var clientMax = args.Length > 3 ? args[3] : null;

var root = FindRepositoryRoot();
await using var azurite = await AzuriteProcess.StartAsync(root);
await using var api = await FakeDomDetailer.StartAsync();
api.RateLimitPerSecond = limit;

var services = new ServiceCollection();
services.AddLogging();
services.AddBacklinksPipeline(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["AzureWebJobsStorage"] = azurite.ConnectionString,
    ["DomDetailer:BaseUrl"] = api.BaseUrl.ToString(),
    ["DomDetailer:ApiKey"] = api.ApiKey,
    ["DomDetailer:MaxConcurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
    ["Queue:Concurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
    ["Queue:PollInterval"] = "00:00:00.050",
}.Concat(clientMax is null ? [] : [KeyValuePair.Create("DomDetailer:MaxRequestsPerSecond", (string?)clientMax)])).Build());
await using var provider = services.BuildServiceProvider();

await provider.GetRequiredService<StorageProvisioner>().CreateMissingAsync(CancellationToken.None);
var domains = string.Join('\n', Enumerable.Range(0, jobs).Select(i => $"bench{i}.example.com"));
await provider.GetRequiredService<SubmissionService>().SubmitAsync(
    new SubmissionInput(System.Text.Encoding.UTF8.GetBytes(domains), SubmissionFormat.Lines, OnePerDomain: false, Force: false), CancellationToken.None);

var clock = Stopwatch.StartNew();
var tally = await provider.GetRequiredService<QueueWorker>().RunAsync(WorkUntil.Empty, new WorkerTally(), CancellationToken.None);
clock.Stop();

var seconds = clock.Elapsed.TotalSeconds;
Console.WriteLine($"jobs {jobs}, API limit {limit}/s (undocumented to the client unless given), client maximum {clientMax ?? "default (5)"}/s, concurrency {concurrency}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"succeeded {tally.Succeeded}, failed {tally.Failed}, API calls {api.Calls.Count}, 429 answers {api.RateLimitedCalls} ({100.0 * api.RateLimitedCalls / Math.Max(1, api.Calls.Count):0.0}% of calls), learned rate {provider.GetRequiredService<Backlinks.Throttling.AdaptiveRate>().PerSecond:0.00}/s"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"elapsed {seconds:0.00} s, achieved {tally.Succeeded / seconds:0.00} jobs/s ({100 * tally.Succeeded / seconds / limit:0}% of the limit)"));
return tally.Succeeded == jobs ? 0 : 1;

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "BacklinksFunctions.sln")))
        {
            return dir.FullName;
        }
    }
    throw new InvalidOperationException("Run the benchmark from inside the repository.");
}
