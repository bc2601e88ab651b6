using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Backlinks;
using Backlinks.DomDetailer;
using Backlinks.Jobs;
using Backlinks.Links;
using Backlinks.Testing;
using Backlinks.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Backlinks.Bench;

/// <summary>
/// The ingest benchmark (<c>./bench.sh ingest [runs]</c>): a 5,000-row answer stored and applied to every
/// table, as a domain's first snapshot and as a second, complete one with 10% of its links changed (500
/// lost, 500 new), against the storage floor: the same blob upload and the same number of entity writes, done
/// directly with the SDK in batches of 100 (8 in flight, as the ingest uses) into the same Azurite.
/// Each figure is the median of the runs, after one warm-up run.
/// </summary>
internal static class IngestBenchmark
{
    private const int Rows = 5_000;
    private const int Changed = 500;
    private const int InFlight = 8;

    public static async Task<int> RunAsync(string root, string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        await using var azurite = await AzuriteProcess.StartAsync(root);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddBacklinksPipeline(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["DomDetailer:ApiKey"] = "bench",
            ["Links:WriteConcurrency"] = InFlight.ToString(CultureInfo.InvariantCulture),
            // A 5,000-row answer is a sample under the default cap, and a sample loses nothing. Above it, the
            // second snapshot is complete: its 500 missing links are lost too, the heavier case.
            ["Links:SampleCap"] = (Rows + 1).ToString(CultureInfo.InvariantCulture),
        }).Build());
        await using var provider = services.BuildServiceProvider();
        var storage = provider.GetRequiredService<StorageClients>();
        await provider.GetRequiredService<StorageProvisioner>().CreateMissingAsync(CancellationToken.None);

        var results = new List<Run>();
        for (var run = 0; run <= runs; run++)
        {
            var result = await OneRunAsync(provider, storage, run);
            if (run > 0)
            {
                results.Add(result);
            }
        }

        var first = Median(results.Select(r => r.First.TotalMilliseconds));
        var firstFloor = Median(results.Select(r => r.FirstFloor.TotalMilliseconds));
        var second = Median(results.Select(r => r.Second.TotalMilliseconds));
        var secondFloor = Median(results.Select(r => r.SecondFloor.TotalMilliseconds));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ingest of a {Rows:N0}-row answer, median of {runs} runs after a warm-up; {InFlight} batches in flight"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"first snapshot:  {first:0} ms, floor {firstFloor:0} ms ({results[0].FirstWrites:N0} entity writes + blob): {first / firstFloor:0.00}x"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"second snapshot: {second:0} ms, floor {secondFloor:0} ms ({results[0].SecondWrites:N0} entity writes + blob, {Changed} lost and {Changed} new): {second / secondFloor:0.00}x"));
        var worst = Math.Max(first / firstFloor, second / secondFloor);
        Console.WriteLine(worst <= 2 ? "within 2x of the floor" : "OVER 2x of the floor");
        return worst <= 2 ? 0 : 1;
    }

    private sealed record Run(TimeSpan First, TimeSpan FirstFloor, int FirstWrites, TimeSpan Second, TimeSpan SecondFloor, int SecondWrites);

    private static async Task<Run> OneRunAsync(IServiceProvider provider, StorageClients storage, int run)
    {
        var domain = $"bench{run}.example.com";
        var raw = provider.GetRequiredService<RawResponseStore>();
        var ingestor = provider.GetRequiredService<SnapshotIngestor>();
        var t1 = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(run);
        var t2 = t1.AddDays(1);

        var floorDomain = $"floor{run}.example.com";
        var firstJson = Answer(domain, Enumerable.Range(0, Rows));
        var (first, firstWrites) = await IngestAsync(raw, ingestor, domain, t1, firstJson);
        var firstFloor = await FloorAsync(storage, raw, domain, floorDomain, t1, firstJson, firstWrites, includeChanges: false);

        // The floor's partition now holds the first snapshot's entities, as the domain's does: the second
        // floor writes over them, as the second ingest does.
        var secondJson = Answer(domain, Enumerable.Range(Changed, Rows));
        var (second, secondWrites) = await IngestAsync(raw, ingestor, domain, t2, secondJson);
        var secondFloor = await FloorAsync(storage, raw, domain, floorDomain, t2, secondJson, secondWrites, includeChanges: true);
        return new Run(first, firstFloor, firstWrites, second, secondFloor, secondWrites);
    }

    /// <summary>What the job does once the API answered: the raw blob, then the one ingest call.</summary>
    private static async Task<(TimeSpan Elapsed, int Writes)> IngestAsync(RawResponseStore raw, SnapshotIngestor ingestor, string domain, DateTimeOffset at, byte[] json)
    {
        var jobId = JobId.New(at).ToString();
        var path = RawResponseStore.PathFor(domain, at, jobId);
        if (!BacklinksResponseParser.TryParse(json, out var response, out var error))
        {
            throw new InvalidOperationException(error);
        }
        var clock = Stopwatch.StartNew();
        await raw.UploadAsync(path, json, Metadata(domain, at, jobId), CancellationToken.None);
        var applied = await ingestor.ApplyAsync(new StoredSnapshot(domain, jobId, at, false, path, response!), CancellationToken.None);
        clock.Stop();
        if (applied.Kind != SnapshotApplyKind.Applied)
        {
            throw new InvalidOperationException($"expected the snapshot to apply, got {applied.Kind}");
        }
        return (clock.Elapsed, applied.EntitiesWritten);
    }

    /// <summary>
    /// The same blob upload and as many entity writes, of the same shapes and keys (the entities the ingest
    /// stored, moved to a partition of their own that holds what the domain held before), straight through
    /// the SDK: batches of 100, <see cref="InFlight"/> at once.
    /// </summary>
    private static async Task<TimeSpan> FloorAsync(StorageClients storage, RawResponseStore raw, string domain, string floorDomain, DateTimeOffset at,
        byte[] json, int writes, bool includeChanges)
    {
        var tables = new List<TableClient> { storage.LinkRowsTable, storage.RefDomainsTable, storage.MetricsTable, storage.LatestMetricsTable };
        if (includeChanges)
        {
            tables.Insert(1, storage.LinkChangesTable);
        }
        var entities = new List<(TableClient Table, TableEntity Entity)>();
        foreach (var table in tables)
        {
            await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {domain}")))
            {
                entity.PartitionKey = floorDomain;
                entity.ETag = default;
                entities.Add((table, entity));
            }
        }
        if (entities.Count < writes)
        {
            throw new InvalidOperationException($"only {entities.Count} entities to copy for {writes} writes");
        }
        var batches = entities.Take(writes)
            .GroupBy(e => e.Table)
            .SelectMany(g => g.Select(e => e.Entity).Chunk(TableBatches.MaxEntitiesPerBatch).Select(chunk => (g.Key, chunk)))
            .ToList();
        var jobId = JobId.New(at).ToString();

        var clock = Stopwatch.StartNew();
        await raw.UploadAsync(RawResponseStore.PathFor(floorDomain, at, jobId), json, Metadata(floorDomain, at, jobId), CancellationToken.None);
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = InFlight }, async (batch, token) =>
            await batch.Key.SubmitTransactionAsync(batch.chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), token));
        clock.Stop();
        return clock.Elapsed;
    }

    private static Dictionary<string, string> Metadata(string domain, DateTimeOffset at, string jobId) => new()
    {
        ["jobId"] = jobId,
        ["domain"] = domain,
        ["fetchedAtUtc"] = at.ToString("O"),
        ["onePerDomain"] = "false",
    };

    /// <summary>A 5,000-row answer: links i of the range, from 1,500 referring hosts, a third nofollow.</summary>
    private static byte[] Answer(string domain, IEnumerable<int> links) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
    {
        domain,
        metrics = new
        {
            page_count = 1200,
            links_in = 90_000,
            links_out = 3000,
            backlinks_follow = 3300,
            backlinks_nofollow = 1700,
            nofollow_ratio = 34.0,
            ref_domains = 1500,
            links_from_gov = 3,
            links_from_edu = 12
        },
        backlinks = links.Select(i => new
        {
            anchor = i % 5 == 0 ? "" : $"Anchor text number {i} about {domain}",
            title = $"A page title for post {i} on a referring site",
            nf = i % 3 == 0 ? 1 : 0,
            source = $"https://www.site{i % 1500}.example.org/blog/{i}/a-post-about-things",
            target = $"https://{domain}/page/{i % 40}",
        }),
    }));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
