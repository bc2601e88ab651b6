using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Backlinks.Functions.Http;
using Backlinks.Jobs;
using Backlinks.Submissions;
using Backlinks.Telemetry;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Functions;

/// <summary>POST /api/lookups against real Azurite: what is answered and what is (not) enqueued.</summary>
public sealed class SubmitLookupsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite);

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private Task<Microsoft.AspNetCore.Mvc.IActionResult> Submit(string body, string? contentType, string query = "") =>
        new SubmitLookups(_pipeline.Get<SubmissionService>()).Run(HttpRequests.Post(body, contentType, query), CancellationToken.None);

    [Fact]
    public async Task A_webhook_domain_becomes_one_queued_job_and_one_base64_message()
    {
        // A host with telemetry listens to the app's source (without one there is no trace to carry on).
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == BacklinksTelemetry.Source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);

        var (status, body) = HttpRequests.Read(await Submit("""{"domain":"https://www.Example.com/pricing"}""", "application/json"));

        Assert.Equal(202, status);
        var accepted = Assert.Single(body.GetProperty("accepted").EnumerateArray());
        Assert.Equal("example.com", accepted.GetProperty("domain").GetString());
        Assert.Equal("https://www.Example.com/pricing", accepted.GetProperty("input").GetString());
        var jobId = accepted.GetProperty("jobId").GetString()!;
        Assert.Equal($"/api/lookups/{jobId}", accepted.GetProperty("statusUrl").GetString());

        var job = await _pipeline.Get<JobStore>().GetAsync(new JobId(Guid.Parse(jobId)), CancellationToken.None);
        Assert.Equal((JobStatus.Queued, "example.com", 0), (job!.Status, job.Domain, job.Attempts));

        // Read the message as the Functions host does: Base64 text holding the versioned JSON.
        var raw = new QueueClient(azurite.ConnectionString, _pipeline.Storage.JobsQueue.Name);
        var message = Assert.Single((await raw.PeekMessagesAsync(10)).Value);
        var json = Encoding.UTF8.GetString(Convert.FromBase64String(message.Body.ToString()));
        var createdAt = job.CreatedAtUtc.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", System.Globalization.CultureInfo.InvariantCulture);
        // The submission's trace context follows, as W3C traceparent (optional: older readers ignore it).
        Assert.Matches($$"""^\{"v":2,"jobId":"{{jobId}}","domain":"example.com","createdAtUtc":"{{System.Text.RegularExpressions.Regex.Escape(createdAt)}}","traceparent":"00-[0-9a-f]{32}-[0-9a-f]{16}-01"\}$""", json);
    }

    [Fact]
    public async Task A_bulk_json_submission_folds_duplicates_and_reports_rejects()
    {
        var (status, body) = HttpRequests.Read(await Submit(
            """{"domains":["a.com","https://A.com/x","b.org","localhost","not a domain",7],"onePerDomain":true,"force":true}""", "application/json"));

        Assert.Equal(202, status);
        Assert.Equal(["a.com", "b.org"], body.GetProperty("accepted").EnumerateArray().Select(a => a.GetProperty("domain").GetString()));
        Assert.Equal("a.com", Assert.Single(body.GetProperty("duplicates").EnumerateArray()).GetProperty("domain").GetString());
        Assert.Equal(3, body.GetProperty("rejected").GetArrayLength());
        Assert.True(body.GetProperty("onePerDomain").GetBoolean());
        Assert.Equal(2, (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        var jobs = await AllJobsAsync();
        Assert.All(jobs, j => Assert.True(j.OnePerDomain && j.Force));
    }

    [Fact]
    public async Task Plain_text_takes_options_from_the_query_and_reports_line_numbers()
    {
        var (status, body) = HttpRequests.Read(await Submit("example.com\n\nexa_mple.com\nother.org\n", "text/plain", "?onePerDomain=true"));

        Assert.Equal(202, status);
        Assert.Equal(2, body.GetProperty("accepted").GetArrayLength());
        var rejected = Assert.Single(body.GetProperty("rejected").EnumerateArray());
        Assert.Equal(3, rejected.GetProperty("line").GetInt32());
        Assert.Contains("character '_'", rejected.GetProperty("reason").GetString());
        Assert.All(await AllJobsAsync(), j => Assert.True(j.OnePerDomain));
    }

    [Fact]
    public async Task Csv_with_a_domain_column_is_accepted()
    {
        var (status, body) = HttpRequests.Read(await Submit("client,domain\nAcme,acme.com\nGlobex,globex.net\n", "text/csv"));

        Assert.Equal(202, status);
        Assert.Equal(["acme.com", "globex.net"], body.GetProperty("accepted").EnumerateArray().Select(a => a.GetProperty("domain").GetString()));
    }

    [Theory]
    [InlineData("""{"domains":["localhost","10.0.0.1"]}""", "application/json", "", 400, "no_valid_domains")]
    [InlineData("""{"domain": """, "application/json", "", 400, "malformed_json")]
    [InlineData("""{"domains":[]}""", "application/json", "", 400, "no_domains")]
    [InlineData("<domains/>", "application/xml", "", 415, "unsupported_media_type")]
    [InlineData("example.com", "text/plain", "?force=maybe", 400, "invalid_query")]
    public async Task Bad_input_is_a_4xx_with_a_json_error_and_nothing_is_written(string body, string contentType, string query, int expectedStatus, string error)
    {
        var (status, json) = HttpRequests.Read(await Submit(body, contentType, query));

        Assert.Equal(expectedStatus, status);
        Assert.Equal(error, json.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("message").GetString()));
        Assert.Equal(0, (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Empty(await AllJobsAsync());
    }

    [Fact]
    public async Task Over_the_domain_limit_is_a_413_and_nothing_is_written()
    {
        var body = string.Join('\n', Enumerable.Range(0, SubmissionLimits.MaxDomains + 1).Select(i => $"site{i}.com"));

        var (status, json) = HttpRequests.Read(await Submit(body, "text/plain"));

        Assert.Equal(413, status);
        Assert.Equal("too_many_domains", json.GetProperty("error").GetString());
        Assert.Empty(await AllJobsAsync());
    }

    [Fact]
    public async Task Over_the_byte_limit_is_a_413_even_without_a_content_length()
    {
        var request = HttpRequests.Post(new string('a', SubmissionLimits.MaxBodyBytes + 10), "text/plain");
        request.ContentLength = null;

        var (status, json) = HttpRequests.Read(await new SubmitLookups(_pipeline.Get<SubmissionService>()).Run(request, CancellationToken.None));

        Assert.Equal(413, status);
        Assert.Equal("body_too_large", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_thousand_domains_become_a_thousand_jobs_in_batched_rows()
    {
        var body = JsonSerializer.Serialize(new { domains = Enumerable.Range(0, 1000).Select(i => $"site{i}.example.com") });

        var (status, json) = HttpRequests.Read(await Submit(body, "application/json"));

        Assert.Equal(202, status);
        Assert.Equal(1000, json.GetProperty("accepted").GetArrayLength());
        Assert.Equal(1000, (await AllJobsAsync()).Count);
        Assert.Equal(1000, (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task When_storage_fails_the_caller_is_told_which_jobs_were_not_queued()
    {
        // The queue disappears after start-up: messages cannot be sent.
        await _pipeline.Storage.JobsQueue.DeleteAsync();

        var (status, json) = HttpRequests.Read(await Submit("""{"domains":["a.com","b.com"]}""", "application/json"));

        Assert.Equal(503, status);
        Assert.Equal("storage_unavailable", json.GetProperty("error").GetString());
        Assert.Equal(0, json.GetProperty("accepted").GetArrayLength());
        Assert.Equal(["a.com", "b.com"], json.GetProperty("notEnqueued").EnumerateArray().Select(j => j.GetProperty("domain").GetString()).Order());
        Assert.Empty(await AllJobsAsync()); // nothing half-written: a job without a message has no row
    }

    private async Task<List<JobEntity>> AllJobsAsync()
    {
        var rows = new List<JobEntity>();
        await foreach (var row in _pipeline.Storage.JobsTable.QueryAsync<JobEntity>())
        {
            rows.Add(row);
        }
        return rows;
    }
}
