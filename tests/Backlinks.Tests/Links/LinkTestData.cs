using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Backlinks.DomDetailer;
using Backlinks.Jobs;
using Backlinks.Links;
using Backlinks.Storage;
using Backlinks.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Backlinks.Tests.Links;

/// <summary>One row of a test answer; <see cref="Nf"/> is written as given (1, 0, "1", "0", …).</summary>
public sealed record Row(string? Source, string? Target, object? Nf = null, string? Anchor = "anchor", string? Title = "title");

/// <summary>Answers, stored snapshots and table dumps for the link tests.</summary>
public static class LinkTestData
{
    public static Row LinkRow(int i, string domain = "example.com", object? nf = null) =>
        new($"https://ref{i}.example.org/post/{i}", $"https://{domain}/", nf ?? (i % 3 == 0 ? 1 : 0), $"Anchor {i}", $"Title {i}");

    public static IEnumerable<Row> LinkRows(int from, int count, string domain = "example.com") =>
        Enumerable.Range(from, count).Select(i => LinkRow(i, domain));

    /// <summary>The API's JSON for these rows.</summary>
    public static string Answer(string domain, IEnumerable<Row> rows)
    {
        var backlinks = new JsonArray();
        foreach (var row in rows)
        {
            var item = new JsonObject();
            if (row.Anchor is not null) { item["anchor"] = row.Anchor; }
            if (row.Title is not null) { item["title"] = row.Title; }
            item["nf"] = row.Nf is null ? null : JsonSerializer.SerializeToNode(row.Nf);
            if (row.Source is not null) { item["source"] = row.Source; }
            if (row.Target is not null) { item["target"] = row.Target; }
            backlinks.Add(item);
        }
        var body = new JsonObject
        {
            ["domain"] = domain,
            ["metrics"] = new JsonObject
            {
                ["page_count"] = 10,
                ["links_in"] = 100,
                ["links_out"] = 5,
                ["backlinks_follow"] = 60,
                ["backlinks_nofollow"] = 40,
                ["nofollow_ratio"] = 40.0,
                ["ref_domains"] = 20,
                ["links_from_gov"] = 0,
                ["links_from_edu"] = 0,
            },
            ["backlinks"] = backlinks,
        };
        return body.ToJsonString();
    }

    /// <summary>Stores the answer as the job does (raw blob and metadata) and returns the snapshot to apply.</summary>
    public static async Task<StoredSnapshot> StoreAsync(TestPipeline pipeline, string domain, IEnumerable<Row> rows, DateTimeOffset fetchedAt,
        bool onePerDomain = false, string? jobId = null)
    {
        jobId ??= JobId.New(fetchedAt).ToString();
        var json = Encoding.UTF8.GetBytes(Answer(domain, rows));
        var path = RawResponseStore.PathFor(domain, fetchedAt, jobId);
        await pipeline.Get<RawResponseStore>().UploadAsync(path, json, new Dictionary<string, string>
        {
            ["jobId"] = jobId,
            ["domain"] = domain,
            ["fetchedAtUtc"] = fetchedAt.ToString("O"),
            ["onePerDomain"] = onePerDomain ? "true" : "false",
        }, CancellationToken.None);
        Assert.True(BacklinksResponseParser.TryParse(json, out var response, out var error), error);
        return new StoredSnapshot(domain, jobId, fetchedAt, onePerDomain, path, response!);
    }

    public static Task<SnapshotApplied> ApplyAsync(TestPipeline pipeline, StoredSnapshot snapshot) =>
        pipeline.Get<SnapshotIngestor>().ApplyAsync(snapshot, CancellationToken.None);

    /// <summary>Every entity of a table, sorted by key, as JSON; Timestamp (and the ETag) only when asked for.</summary>
    public static async Task<string> DumpAsync(TableClient table, bool withTimestamps = false)
    {
        var rows = new List<SortedDictionary<string, object?>>();
        await foreach (var entity in table.QueryAsync<TableEntity>())
        {
            var row = new SortedDictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, value) in entity)
            {
                if (withTimestamps || (key != "Timestamp" && key != "odata.etag"))
                {
                    row[key] = value is DateTimeOffset time ? time.UtcTicks : value;
                }
            }
            rows.Add(row);
        }
        return JsonSerializer.Serialize(rows.OrderBy(r => (string)r["PartitionKey"]!, StringComparer.Ordinal).ThenBy(r => (string)r["RowKey"]!, StringComparer.Ordinal));
    }

    /// <summary>The five derived tables, dumped.</summary>
    public static async Task<string> DumpDerivedAsync(TestPipeline pipeline, bool withTimestamps = false)
    {
        var s = pipeline.Storage;
        var dumps = new List<string>();
        foreach (var table in new[] { s.MetricsTable, s.LatestMetricsTable, s.LinkRowsTable, s.LinkChangesTable, s.RefDomainsTable })
        {
            dumps.Add($"{Kind(table, s)}: {await DumpAsync(table, withTimestamps)}");
        }
        return string.Join('\n', dumps);
    }

    // Storage names differ per pipeline; dumps from two pipelines compare by kind of table.
    private static string Kind(TableClient table, StorageClients s) =>
        table == s.MetricsTable ? "metrics" : table == s.LatestMetricsTable ? "latest" : table == s.LinkRowsTable ? "rows"
        : table == s.LinkChangesTable ? "changes" : "refdomains";

    public static async Task<List<T>> AllAsync<T>(TableClient table) where T : class, ITableEntity, new()
    {
        var rows = new List<T>();
        await foreach (var row in table.QueryAsync<T>())
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>
    /// An ingestor whose link-table clients fail the <paramref name="failAtBatch"/>-th batch request (counting
    /// from 1), as a crash between two batches would leave things: the batches before it written, none after.
    /// </summary>
    public static SnapshotIngestor CrashingIngestor(TestPipeline pipeline, int failAtBatch, int writeConcurrency = 1)
    {
        var policy = new FailNthBatchPolicy(failAtBatch);
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 0;
        options.AddPolicy(policy, HttpPipelinePosition.PerCall);
        var service = new TableServiceClient(pipeline.Settings["AzureWebJobsStorage"], options);
        var names = pipeline.Get<IOptions<StorageOptions>>().Value;
        var tables = new LinkTables(service.GetTableClient(names.LinkRowsTable), service.GetTableClient(names.LinkChangesTable),
            service.GetTableClient(names.RefDomainsTable), pipeline.Storage.ControlTable);
        var linkOptions = pipeline.Get<IOptions<LinkOptions>>().Value;
        return new SnapshotIngestor(tables, pipeline.Get<MetricsStore>(), pipeline.Get<RawSnapshots>(),
            Options.Create(new LinkOptions { SampleCap = linkOptions.SampleCap, WriteConcurrency = writeConcurrency, LeaseDuration = linkOptions.LeaseDuration }),
            pipeline.Time, NullLogger<SnapshotIngestor>.Instance);
    }

    /// <summary>The simulated crash.</summary>
    public sealed class SimulatedCrashException() : Exception("simulated crash between two batches");

    private sealed class FailNthBatchPolicy(int failAt) : HttpPipelinePolicy
    {
        private int _batches;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Check(message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Check(message);
            return ProcessNextAsync(message, pipeline);
        }

        private void Check(HttpMessage message)
        {
            if (message.Request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal) && Interlocked.Increment(ref _batches) >= failAt)
            {
                throw new SimulatedCrashException();
            }
        }
    }
}
