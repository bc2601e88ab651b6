using System.Text;
using Azure.Data.Tables;
using Backlinks.Functions.Http;
using Backlinks.Submissions;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Functions;

/// <summary>The API key travels in the query string; it must surface nowhere else.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SecretLeakTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_api_key_appears_in_no_log_trace_blob_table_row_queue_message_or_response()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["DomDetailer:Timeout"] = "00:00:05",
        });
        var host = new QueueHostEmulator(pipeline, maxDequeueCount: 2);
        var submit = new SubmitLookups(pipeline.Get<SubmissionService>());
        var responses = new StringBuilder();

        // Every path: success, 429, 402, 400, 5xx to poison, malformed (retried: succeeds), 401, and below a timeout.
        pipeline.Api.Script(
            SandboxApi.Synthetic("ok.com"),
            SandboxAnswer.RateLimited("30"),
            SandboxAnswer.OutOfCredits(),
            SandboxAnswer.BadRequest(),
            SandboxAnswer.ServerError(), SandboxAnswer.ServerError(), SandboxAnswer.ServerError(),
            SandboxAnswer.ServerError(), SandboxAnswer.ServerError(), SandboxAnswer.ServerError(),
            SandboxAnswer.Malformed(),
            SandboxAnswer.Json(401, """{"error":"invalid_api_key","message":"API key not found or inactive"}"""));
        foreach (var domain in new[] { "ok.com", "limited.com", "broke.com", "bad.com", "down.com", "garbled.com", "unauthorized.com" })
        {
            var (_, body) = HttpRequests.Read(await submit.Run(HttpRequests.Post($$"""{"domain":"{{domain}}"}""", "application/json"), CancellationToken.None));
            responses.Append(body.GetRawText());
            await host.DrainAsync(limit: 2);
            // Past any app-wide pause or "not before" the previous answer set, so every path is reached.
            pipeline.Time.Advance(TimeSpan.FromHours(7));
        }
        await host.DrainAsync();
        await host.DrainPoisonAsync();

        // A call that times out on every attempt (1 + 2 in-process retries).
        pipeline.Api.Script(SandboxAnswer.Slow(), SandboxAnswer.Slow(), SandboxAnswer.Slow());
        var callsBefore = pipeline.Api.Calls.Count;
        var slow = pipeline.Get<Backlinks.DomDetailer.DomDetailerClient>().GetBacklinksAsync("slow.com", false, CancellationToken.None);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await pipeline.Api.WaitForCallsAsync(callsBefore + attempt);
            pipeline.Time.Advance(TimeSpan.FromSeconds(6));
        }
        Assert.IsType<Backlinks.DomDetailer.BacklinksTransientFailure>(await slow.WaitAsync(TimeSpan.FromSeconds(30)));

        var queries = new GetLookup(pipeline.Get<Backlinks.Queries.JobQueries>());
        await foreach (var job in pipeline.Storage.JobsTable.QueryAsync<TableEntity>())
        {
            var (_, body) = HttpRequests.Read(await queries.Run(HttpRequests.Get(), job.RowKey, CancellationToken.None));
            responses.Append(body.GetRawText());
        }

        var everything = new StringBuilder()
            .AppendLine(pipeline.AllDiagnosticText())
            .AppendLine(responses.ToString())
            .AppendLine(await StorageTextAsync(pipeline));

        Assert.True(pipeline.Api.Calls.Count >= 10, "every path was exercised");
        Assert.Contains("ok.com", everything.ToString());
        Assert.DoesNotContain(TestPipeline.ApiKey, everything.ToString());
        Assert.DoesNotContain("TOPSECRET", everything.ToString());
    }

    private static async Task<string> StorageTextAsync(TestPipeline pipeline)
    {
        var text = new StringBuilder();
        await foreach (var blob in pipeline.Storage.RawContainer.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Traits = Azure.Storage.Blobs.Models.BlobTraits.Metadata }))
        {
            text.AppendLine(blob.Name).AppendJoin(' ', blob.Metadata.Select(m => $"{m.Key}={m.Value}"));
            text.AppendLine((await pipeline.Storage.RawContainer.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToString());
        }
        foreach (var table in new[] { pipeline.Storage.JobsTable, pipeline.Storage.MetricsTable, pipeline.Storage.LatestMetricsTable })
        {
            await foreach (var row in table.QueryAsync<TableEntity>())
            {
                text.AppendJoin(' ', row.Select(p => $"{p.Key}={p.Value}")).AppendLine();
            }
        }
        foreach (var queue in new[] { pipeline.Storage.JobsQueue, pipeline.Storage.PoisonQueue })
        {
            // Waiting messages are invisible to peek; count them and read what is visible.
            text.AppendLine((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount.ToString());
            foreach (var message in (await queue.PeekMessagesAsync(32)).Value)
            {
                text.AppendLine(message.Body.ToString());
            }
        }
        return text.ToString();
    }
}
