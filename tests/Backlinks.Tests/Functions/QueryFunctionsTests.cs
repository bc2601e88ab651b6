using Backlinks.Functions.Http;
using Backlinks.Jobs;
using Backlinks.Queries;
using Backlinks.Submissions;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Functions;

/// <summary>GET /api/lookups/{jobId} and GET /api/domains/{domain}/metrics.</summary>
public sealed class QueryFunctionsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite);

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private GetLookup Lookup => new(_pipeline.Get<JobQueries>());

    private GetDomainMetrics Metrics => new(_pipeline.Get<JobQueries>());

    [Fact]
    public async Task A_job_reads_queued_then_succeeded_with_blob_path_and_metrics()
    {
        var submitted = HttpRequests.Read(await new SubmitLookups(_pipeline.Get<SubmissionService>())
            .Run(HttpRequests.Post("""{"domain":"example.com","onePerDomain":true}""", "application/json"), CancellationToken.None)).Body;
        var jobId = submitted.GetProperty("accepted")[0].GetProperty("jobId").GetString()!;

        var (status, queued) = HttpRequests.Read(await Lookup.Run(HttpRequests.Get(), jobId, CancellationToken.None));
        Assert.Equal(200, status);
        Assert.Equal("queued", queued.GetProperty("status").GetString());
        Assert.Equal(0, queued.GetProperty("attempts").GetInt32());
        Assert.True(queued.GetProperty("onePerDomain").GetBoolean());

        await new QueueHostEmulator(_pipeline).DrainAsync();

        var (_, done) = HttpRequests.Read(await Lookup.Run(HttpRequests.Get(), jobId, CancellationToken.None));
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        var result = done.GetProperty("result");
        Assert.Equal($"example.com/2026/11/28/{jobId}.json", result.GetProperty("rawBlobPath").GetString());
        Assert.Equal(3, result.GetProperty("backlinkRows").GetInt32());
        Assert.True(result.GetProperty("metrics").GetProperty("linksIn").GetInt64() > 0);
    }

    [Fact]
    public async Task Unknown_and_malformed_job_ids_are_404_and_400()
    {
        var (unknown, body) = HttpRequests.Read(await Lookup.Run(HttpRequests.Get(), JobId.New(TestPipeline.Start).ToString(), CancellationToken.None));
        Assert.Equal(404, unknown);
        Assert.Equal("job_not_found", body.GetProperty("error").GetString());

        var (malformed, error) = HttpRequests.Read(await Lookup.Run(HttpRequests.Get(), "12345", CancellationToken.None));
        Assert.Equal(400, malformed);
        Assert.Equal("invalid_job_id", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Domain_metrics_are_found_by_any_spelling_of_the_domain()
    {
        await new SubmitLookups(_pipeline.Get<SubmissionService>())
            .Run(HttpRequests.Post("""{"domain":"example.com"}""", "application/json"), CancellationToken.None);
        await new QueueHostEmulator(_pipeline).DrainAsync();

        var (status, metrics) = HttpRequests.Read(await Metrics.Run(HttpRequests.Get(), "WWW.Example.com", CancellationToken.None));

        Assert.Equal(200, status);
        Assert.Equal("example.com", metrics.GetProperty("domain").GetString());
        Assert.Equal(TestPipeline.Start, metrics.GetProperty("fetchedAtUtc").GetDateTimeOffset());
        foreach (var name in new[] { "pageCount", "linksIn", "linksOut", "backlinksFollow", "backlinksNofollow", "nofollowRatio", "refDomains", "linksFromGov", "linksFromEdu", "backlinkRows", "rawBlobPath", "jobId" })
        {
            Assert.True(metrics.TryGetProperty(name, out _), name);
        }
        // The link counts of the snapshot, so a trend needs no join (a first snapshot is its baseline).
        Assert.Equal(0, metrics.GetProperty("newLinks").GetInt32());
        Assert.Equal(0, metrics.GetProperty("lostLinks").GetInt32());
        Assert.True(metrics.GetProperty("uniqueLinks").GetInt32() > 0);
        Assert.Equal(0, metrics.GetProperty("skippedRows").GetInt32());
        Assert.False(metrics.GetProperty("isSample").GetBoolean());
    }

    [Fact]
    public async Task Domain_metrics_are_404_when_none_are_stored_and_400_for_a_bad_domain()
    {
        var (missing, body) = HttpRequests.Read(await Metrics.Run(HttpRequests.Get(), "never-looked-up.com", CancellationToken.None));
        Assert.Equal(404, missing);
        Assert.Equal("metrics_not_found", body.GetProperty("error").GetString());

        var (bad, error) = HttpRequests.Read(await Metrics.Run(HttpRequests.Get(), "localhost", CancellationToken.None));
        Assert.Equal(400, bad);
        Assert.Equal("invalid_domain", error.GetProperty("error").GetString());
    }
}
