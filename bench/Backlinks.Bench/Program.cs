using System.Diagnostics;
using System.Globalization;
using Backlinks;
using Backlinks.Sandbox;
using Backlinks.Submissions;
using Backlinks.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// The rate benchmark: N jobs through submission and the queue worker against the sandbox API enforcing
// a limit of L calls per second (429 beyond it), with the client limit set to the same L. It reports the
// rate achieved and the 429s seen. Real Azurite, real clock, loopback only.
//   dotnet run -c Release --project bench/Backlinks.Bench -- [jobs] [limit per second] [concurrency]
// With "ingest" first, the ingest benchmark instead (IngestBenchmark.cs): -- ingest [runs]
if (args is ["ingest", .. var ingestArgs])
{
    return await Backlinks.Bench.IngestBenchmark.RunAsync(FindRepositoryRoot(), ingestArgs);
}

var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
var limit = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8;

var root = FindRepositoryRoot();
await using var azurite = await AzuriteProcess.StartAsync(root);
await using var api = await SandboxApi.StartAsync();
api.RateLimitPerSecond = limit;

var services = new ServiceCollection();
services.AddLogging();
services.AddBacklinksPipeline(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["AzureWebJobsStorage"] = azurite.ConnectionString,
    ["DomDetailer:BaseUrl"] = api.BaseUrl.ToString(),
    ["DomDetailer:ApiKey"] = api.ApiKey,
    ["DomDetailer:MaxRequestsPerSecond"] = limit.ToString(CultureInfo.InvariantCulture),
    ["DomDetailer:MaxConcurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
    ["Queue:Concurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
    ["Queue:PollInterval"] = "00:00:00.050",
    ["Backoff:RateLimitBaseDelay"] = "00:00:01",
}).Build());
await using var provider = services.BuildServiceProvider();

var plan = SubmissionPlan.For(new LookupRequest(
    Enumerable.Range(0, jobs).Select(i => new DomainInput($"bench{i}.example.com")).ToList(), false, false));
await provider.GetRequiredService<SubmissionService>().SubmitAsync(plan, CancellationToken.None);

var clock = Stopwatch.StartNew();
var tally = await provider.GetRequiredService<QueueWorker>().RunAsync(untilEmpty: true, new WorkerTally(), CancellationToken.None);
clock.Stop();

var seconds = clock.Elapsed.TotalSeconds;
Console.WriteLine($"jobs {jobs}, API limit {limit}/s, client limit {limit}/s, concurrency {concurrency}");
Console.WriteLine($"succeeded {tally.Succeeded}, failed {tally.Failed}, API calls {api.Calls.Count}, 429 answers {api.RateLimitedCalls}");
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
