using System.Text;
using Azure.Data.Tables;
using Backlinks.DomDetailer;
using Backlinks.Tests.DomDetailer;
using Backlinks.Functions.Http;
using Backlinks.Submissions;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Functions;

/// <summary>The API key travels in the query string; it must surface nowhere else: nor in what the OpenTelemetry exporters are handed.</summary>
[Collection(RunAloneCollection.Name)]
public sealed class SecretLeakTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task The_api_key_appears_in_no_log_trace_blob_table_row_queue_message_or_response()
    {
        var telemetry = new TelemetryCapture();
        await using var pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["DomDetailer:Timeout"] = "00:00:05",
        }, telemetry: telemetry, recordTraces: true);
        var host = new QueueHostEmulator(pipeline, maxDequeueCount: 2);
        var submit = new SubmitLookups(pipeline.Get<SubmissionService>());
        var responses = new StringBuilder();

        // Every path: success, 429, 402, 400, 5xx to poison, malformed (stored, failed), 401, and below a timeout.
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

        telemetry.Flush(pipeline.Services);
        var everything = new StringBuilder()
            .AppendLine(pipeline.AllDiagnosticText())
            .AppendLine(telemetry.AllText())
            .AppendLine(responses.ToString())
            .AppendLine(await StorageTextAsync(pipeline));

        Assert.True(pipeline.Api.Calls.Count >= 10, "every path was exercised");
        // What the exporters were handed covers those paths: the timeouts and the 429 among them.
        Assert.Contains($"{Backlinks.Telemetry.BacklinksTelemetry.Attributes.Status}={Backlinks.Telemetry.BacklinksMetrics.TimeoutStatus}", everything.ToString());
        Assert.Contains($"{Backlinks.Telemetry.BacklinksTelemetry.Attributes.Status}=429", everything.ToString());
        Assert.Contains("ok.com", everything.ToString());
        Assert.DoesNotContain(TestPipeline.ApiKey, everything.ToString());
        Assert.DoesNotContain("TOPSECRET", everything.ToString());
    }

    /// <summary>Jobs, each with the answers its calls get, run through the queue in order.</summary>
    public static readonly Dictionary<string, (string Domain, ScriptedAnswer[] Answers)[]> EchoScenarios = new()
    {
        // Error pages and objects that quote the request: each job fails with the API's words, masked, or a description.
        ["400 echoes"] =
        [
            ("json-url.com", [Echoed("400 JSON message with the full URL")]),
            ("html-at-200.com", [Echoed("400 HTML page with the URL across byte 200")]),
            ("plain-lower.com", [Echoed("400 plain text with the URL lower-cased")]),
            ("lower.com", [Echoed("400 JSON message with the decoded key, lower-cased")]),
            ("form-encoded.com", [Echoed("400 JSON message with the key form-encoded, lower-case escapes")]),
            ("twice-encoded.com", [Echoed("400 JSON message with the URL encoded twice")]),
            ("error-field.com", [Echoed("400 JSON error field with the key upper-cased")]),
            ("not-found.com", [Echoed("404 HTML page with the URL")]),
        ],
        // A 200 whose data holds the key (stored as blob and rows), and a 200 page that is not JSON (paid: stored, and the job fails).
        ["200 echoes"] =
        [
            ("data.com", [KeyInData()]),
            ("garbled.com", [Echoed("200 HTML page with the URL (malformed)")]),
        ],
        ["403 page"] = [("forbidden.com", [Echoed("403 HTML page with the URL")])],
        ["403 object"] = [("forbidden-json.com", [Echoed("403 JSON message with the URL")])],
        ["401 with part of the key"] = [("partial.com", [Echoed("401 JSON message with the key cut to its first 8 characters")])],
        // Out of credits, then the balance endpoint answers plain text that names the key.
        ["402 then Account Not Found"] = [("broke.com", [SandboxAnswer.OutOfCredits()]), ("after-pause.com", [])],
    };

    public static TheoryData<string, string> KeysAndScenarios
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var key in new[] { EchoedKeyTests.PlainKey, EchoedKeyTests.AwkwardKey })
            {
                foreach (var scenario in EchoScenarios.Keys)
                {
                    data.Add(key, scenario);
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(KeysAndScenarios))]
    public async Task A_key_the_api_echoes_reaches_no_job_row_message_blob_table_log_trace_or_response(string key, string scenario)
    {
        var telemetry = new TelemetryCapture();
        await using var pipeline = await TestPipeline.StartAsync(azurite, apiKey: key, telemetry: telemetry, recordTraces: true);
        var host = new QueueHostEmulator(pipeline, maxDequeueCount: 2);
        var submit = new SubmitLookups(pipeline.Get<SubmissionService>());
        var responses = new StringBuilder();
        pipeline.Api.ScriptBalance(
            ScriptedAnswer.Echo(200, request => $"Account Not Found for key {request.Query["apikey"]}", "text/plain"),
            ScriptedAnswer.Echo(200, request => $"account not found: {request.Url.ToLowerInvariant()}", "text/plain"));

        foreach (var (domain, answers) in EchoScenarios[scenario])
        {
            pipeline.Api.Script(answers);
            var (_, body) = HttpRequests.Read(await submit.Run(HttpRequests.Post($$"""{"domain":"{{domain}}"}""", "application/json"), CancellationToken.None));
            responses.Append(body.GetRawText());
            await host.DrainAsync();
            await host.DrainPoisonAsync();
            // Past the pause a 402 starts, so that the next job asks the balance endpoint.
            pipeline.Time.Advance(TimeSpan.FromHours(1));
        }

        var queries = new GetLookup(pipeline.Get<Backlinks.Queries.JobQueries>());
        await foreach (var job in pipeline.Storage.JobsTable.QueryAsync<TableEntity>())
        {
            var (_, body) = HttpRequests.Read(await queries.Run(HttpRequests.Get(), job.RowKey, CancellationToken.None));
            responses.Append(body.GetRawText());
        }
        telemetry.Flush(pipeline.Services);
        var everything = new StringBuilder()
            .AppendLine(pipeline.AllDiagnosticText())
            .AppendLine(telemetry.AllText())
            .AppendLine(responses.ToString())
            .AppendLine(await StorageTextAsync(pipeline))
            .ToString();

        // Every job got its scripted answers; the 402 scenario asked the balance endpoint.
        foreach (var (domain, answers) in EchoScenarios[scenario].Where(s => s.Answers.Length > 0))
        {
            Assert.Equal(answers.Length, pipeline.Api.Calls.Count(d => d == domain));
        }
        Assert.Equal(scenario.StartsWith("402", StringComparison.Ordinal), pipeline.Api.BalanceCalls.Count > 0);
        Assert.Equal(scenario.StartsWith("402", StringComparison.Ordinal), telemetry.Named(Backlinks.Telemetry.BacklinksTelemetry.Spans.BalanceCall).Any());
        Assert.Contains(EchoScenarios[scenario][0].Domain, everything);
        Assert.False(EchoedKeyTests.Leaks(everything, key, SecretRedactor.MinFragment), everything);
    }

    private static ScriptedAnswer Echoed(string name) => ScriptedAnswer.From(EchoedKeyTests.Echoes[name]);

    private static ScriptedAnswer KeyInData() => ScriptedAnswer.From(request =>
    {
        var sample = SandboxApi.Synthetic("data.com");
        var url = System.Text.Json.JsonSerializer.Serialize(request.Url);
        return sample with { Body = sample.Body.Replace("\"https://ref1.sandbox.invalid/post/1\"", url, StringComparison.Ordinal) };
    });

    private static async Task<string> StorageTextAsync(TestPipeline pipeline)
    {
        var text = new StringBuilder();
        await foreach (var blob in pipeline.Storage.RawContainer.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Traits = Azure.Storage.Blobs.Models.BlobTraits.Metadata }))
        {
            text.AppendLine(blob.Name).AppendJoin(' ', blob.Metadata.Select(m => $"{m.Key}={m.Value}"));
            text.AppendLine((await pipeline.Storage.RawContainer.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToString());
        }
        foreach (var table in new[] { pipeline.Storage.JobsTable, pipeline.Storage.MetricsTable, pipeline.Storage.LatestMetricsTable, pipeline.Storage.ControlTable })
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
