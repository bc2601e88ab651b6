using Azure.Data.Tables;
using Backlinks.Functions.Http;
using Backlinks.Jobs;
using Backlinks.Queries;
using Backlinks.Throttling;
using Backlinks.Storage;
using Backlinks.Submissions;
using Backlinks.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Backlinks.Tests.Functions;

/// <summary>The queue function with real messages: what lands in storage for every API outcome.</summary>
public sealed class ProcessBacklinkJobTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;
    private QueueHostEmulator _host = null!;

    public async Task InitializeAsync()
    {
        _pipeline = await TestPipeline.StartAsync(azurite);
        _host = new QueueHostEmulator(_pipeline);
    }

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    [Fact]
    public async Task Success_stores_the_raw_bytes_a_typed_history_row_the_latest_row_and_a_succeeded_job()
    {
        var jobId = await SubmitAsync("example.com");

        Assert.Equal(1, await _host.DrainAsync());

        var job = await GetJobAsync(jobId);
        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.Equal(1, job.Attempts);
        var expectedPath = $"example.com/2026/11/28/{jobId}.json";
        Assert.Equal(expectedPath, job.RawBlobPath);

        var blob = _pipeline.Storage.RawContainer.GetBlobClient(expectedPath);
        var content = (await blob.DownloadContentAsync()).Value;
        Assert.Equal(_pipeline.Api.LastBodyFor("example.com"), content.Content.ToArray());
        Assert.Equal("application/json", content.Details.ContentType);
        Assert.Equal(jobId, content.Details.Metadata["jobId"]);
        Assert.Equal("example.com", content.Details.Metadata["domain"]);
        Assert.Equal("false", content.Details.Metadata["onePerDomain"]);
        Assert.Equal(TestPipeline.Start, DateTimeOffset.Parse(content.Details.Metadata["fetchedAtUtc"]));

        // Read the row untyped to check the types Power BI will see.
        var history = (await _pipeline.Storage.MetricsTable.GetEntityAsync<TableEntity>("example.com", jobId)).Value;
        Assert.IsType<DateTimeOffset>(history["FetchedAtUtc"]);
        Assert.Equal(TestPipeline.Start, history.GetDateTimeOffset("FetchedAtUtc"));
        Assert.IsType<double>(history["NofollowRatio"]);
        Assert.IsType<long>(history["LinksIn"]);
        Assert.IsType<bool>(history["OnePerDomain"]);
        Assert.Equal("example.com", history["Domain"]);
        Assert.Equal(jobId, history["JobId"]);
        Assert.Equal(expectedPath, history["RawBlobPath"]);
        foreach (var column in new[] { "PageCount", "LinksIn", "LinksOut", "BacklinksFollow", "BacklinksNofollow", "RefDomains", "LinksFromGov", "LinksFromEdu", "BacklinkRows" })
        {
            Assert.True(history.ContainsKey(column), column);
        }

        var latest = (await _pipeline.Storage.LatestMetricsTable.GetEntityAsync<MetricsSnapshotEntity>("example.com", MetricsSnapshotEntity.LatestRowKey)).Value;
        Assert.Equal(jobId, latest.JobId);
        Assert.Equal((long)history["LinksIn"], latest.LinksIn);
    }

    [Fact]
    public async Task A_redelivered_message_is_harmless_no_second_call_blob_or_row()
    {
        var jobId = await SubmitAsync("example.com");
        await _host.DrainAsync();

        await _pipeline.Storage.JobsQueue.SendMessageAsync(new JobMessage(JobMessage.IdOnlyVersion, jobId).ToJson());
        await _host.DrainAsync();

        Assert.Single(_pipeline.Api.Calls);
        Assert.Single(await BlobsAsync());
        Assert.Single(await HistoryAsync("example.com"));
        Assert.Equal(1, (await GetJobAsync(jobId)).Attempts);
    }

    [Fact]
    public async Task The_latest_row_is_replaced_by_a_newer_snapshot_and_history_keeps_both()
    {
        var first = await SubmitAsync("example.com");
        await _host.DrainAsync();
        _pipeline.Time.Advance(TimeSpan.FromDays(1));
        var second = await SubmitAsync("example.com");
        await _host.DrainAsync();

        var latest = await _pipeline.Get<JobQueries>().GetLatestMetricsAsync("example.com", CancellationToken.None);
        Assert.Equal(second, latest!.JobId);
        Assert.Equal([first, second], (await HistoryAsync("example.com")).Select(h => h.JobId));
        Assert.Equal(2, (await BlobsAsync()).Count);
    }

    [Fact]
    public async Task Rate_limited_re_enqueues_with_a_delay_marks_waiting_and_writes_no_rows()
    {
        var jobId = await SubmitAsync("example.com");
        _pipeline.Api.Script(SandboxAnswer.RateLimited("120"));

        await _host.DrainAsync();

        var job = await GetJobAsync(jobId);
        Assert.Equal((JobStatus.Waiting, WaitReason.RateLimited), (job.Status, job.WaitReason));
        // The API's Retry-After, never less, up to JitterRatio more so that refused jobs do not return together.
        Assert.InRange(job.NextAttemptAtUtc!.Value, TestPipeline.Start.AddSeconds(120), TestPipeline.Start.AddSeconds(144));
        Assert.NotNull(job.MessageToken);
        Assert.Empty(await HistoryAsync("example.com"));
        Assert.Empty(await BlobsAsync());

        // One message in the queue, and it is not visible yet: the wait costs nothing.
        Assert.Equal(1, (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Empty((await _pipeline.Storage.JobsQueue.PeekMessagesAsync()).Value);

        var status = await _pipeline.Get<JobQueries>().GetJobAsync(new JobId(Guid.Parse(jobId)), CancellationToken.None);
        Assert.Equal(WaitReason.RateLimited, status!.Waiting!.Reason);
        Assert.Equal(job.NextAttemptAtUtc, status.Waiting.NextAttemptAtUtc);
    }

    [Fact]
    public async Task A_retry_after_of_decades_holds_the_account_for_an_hour_and_the_next_job_runs_after_it()
    {
        var jobId = await SubmitAsync("example.com");
        _pipeline.Api.Script(SandboxAnswer.RateLimited("999999999"), SandboxApi.Synthetic("later.com"));
        await _host.DrainAsync();

        var job = await GetJobAsync(jobId);
        Assert.Equal((JobStatus.Waiting, WaitReason.RateLimited), (job.Status, job.WaitReason));
        Assert.InRange(job.NextAttemptAtUtc!.Value, TestPipeline.Start.AddHours(1), TestPipeline.Start.AddHours(1.2));

        // An hour on, the account calls again: a new job is not held until 2058.
        _pipeline.Time.Advance(TimeSpan.FromMinutes(61));
        var later = await SubmitAsync("later.com");
        Assert.Equal(1, await _host.DrainAsync());
        Assert.Equal(JobStatus.Succeeded, (await GetJobAsync(later)).Status);
    }

    [Fact]
    public async Task The_delayed_message_runs_the_job_and_an_old_copy_of_the_first_message_is_stale()
    {
        var jobId = await SubmitAsync("example.com");
        _pipeline.Api.Script(SandboxAnswer.RateLimited());
        await _host.DrainAsync();
        var waiting = await GetJobAsync(jobId);
        var processor = _pipeline.Get<JobProcessor>();

        // A copy of the original message (no token) must not call the API while the job waits.
        var stale = await processor.ProcessAsync(new JobMessage(JobMessage.IdOnlyVersion, jobId).ToJson(), CancellationToken.None);
        Assert.Equal(JobOutcomeKind.Skipped, stale.Kind);
        Assert.Single(_pipeline.Api.Calls);

        // The delayed message, once due.
        _pipeline.Time.Advance(TimeSpan.FromMinutes(1));
        var due = await processor.ProcessAsync(JobMessage.For(waiting).ToJson(), CancellationToken.None);

        Assert.Equal(JobOutcomeKind.Succeeded, due.Kind);
        var job = await GetJobAsync(jobId);
        Assert.Equal((JobStatus.Succeeded, 2, 1), (job.Status, job.Attempts, job.RateLimitedCount));
        Assert.Single(await HistoryAsync("example.com"));
    }

    [Fact]
    public async Task A_message_ahead_of_its_job_row_is_retried_and_a_superseded_one_is_stale()
    {
        var jobId = await SubmitAsync("example.com");
        var processor = _pipeline.Get<JobProcessor>();

        var ahead = await processor.ProcessAsync(new JobMessage(JobMessage.IdOnlyVersion, jobId, Token: "next", Seq: 1).ToJson(), CancellationToken.None);
        var superseded = await processor.ProcessAsync(new JobMessage(JobMessage.IdOnlyVersion, jobId, Token: "orphan", Seq: 0).ToJson(), CancellationToken.None);

        Assert.Equal(JobOutcomeKind.AheadOfRow, ahead.Kind);
        Assert.Equal(JobOutcomeKind.Skipped, superseded.Kind);
        Assert.Empty(_pipeline.Api.Calls);
        Assert.Equal(JobStatus.Queued, (await GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task Out_of_credits_waits_long_and_grows_but_never_goes_to_poison()
    {
        var jobId = await SubmitAsync("example.com");
        var processor = _pipeline.Get<JobProcessor>();
        var delays = new List<TimeSpan>();

        for (var i = 0; i < 8; i++)
        {
            _pipeline.Api.Script(SandboxAnswer.OutOfCredits());
            var outcome = await processor.ProcessAsync(JobMessage.For(await GetJobAsync(jobId)).ToJson(), CancellationToken.None);
            Assert.Equal(JobOutcomeKind.Deferred, outcome.Kind);
            delays.Add(outcome.NextAttemptAtUtc!.Value - _pipeline.Time.GetUtcNow());
            _pipeline.Time.Advance(delays[^1]);
        }

        // The app-wide pause: 15 min, doubling up to 6 h, each job's wait spread up to 20 % above it.
        Assert.InRange(delays[0], TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(18));
        Assert.InRange(delays[1], TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(36));
        Assert.InRange(delays[^1], TimeSpan.FromHours(6), TimeSpan.FromHours(7.2));
        var job = await GetJobAsync(jobId);
        Assert.Equal((JobStatus.Waiting, WaitReason.OutOfCredits, 8), (job.Status, job.WaitReason, job.OutOfCreditsCount));
        Assert.Equal(0, (await _pipeline.Storage.PoisonQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Waiting_past_the_total_limit_fails_the_job_with_a_clear_reason()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?> { ["Backoff:MaxWait"] = "01:00:00" });
        var jobId = await SubmitAsync("example.com", pipeline);
        pipeline.Api.Script(SandboxAnswer.RateLimited("7200"));

        await new QueueHostEmulator(pipeline).DrainAsync();

        var job = await pipeline.Get<JobStore>().GetAsync(new JobId(Guid.Parse(jobId)), CancellationToken.None);
        Assert.Equal(JobStatus.Failed, job!.Status);
        Assert.Contains("gave up: still rate limited", job.LastError);
        Assert.Equal(0, (await pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Server_errors_exhaust_the_retries_go_to_poison_and_fail_the_job()
    {
        var jobId = await SubmitAsync("example.com");
        _pipeline.Api.Script(Enumerable.Repeat(SandboxAnswer.ServerError(), 15).ToArray());

        Assert.Equal(5, await _host.DrainAsync());
        Assert.Equal(15, _pipeline.Api.Calls.Count); // 5 deliveries × (1 call + 2 in-process retries)
        Assert.Equal(JobStatus.Queued, (await GetJobAsync(jobId)).Status);

        Assert.Equal(1, await _host.DrainPoisonAsync());

        var job = await GetJobAsync(jobId);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("gave up after 5 attempts: server error: HTTP 503", job.LastError);
        Assert.NotNull(job.CompletedAtUtc);
    }

    [Fact]
    public async Task A_bad_request_fails_at_once_without_retry()
    {
        var jobId = await SubmitAsync("example.com");
        _pipeline.Api.Script(SandboxAnswer.BadRequest());

        await _host.DrainAsync();

        var job = await GetJobAsync(jobId);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Contains("HTTP 400 invalid_parameter", job.LastError);
        Assert.Single(_pipeline.Api.Calls);
        Assert.Equal(0, (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_rejected_key_stops_the_whole_account_and_every_job_waits_for_a_working_key()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?> { ["DomDetailer:ApiKey"] = "revoked-key-123" });
        var first = await SubmitAsync("example.com", pipeline);
        var second = await SubmitAsync("example.org", pipeline);

        await new QueueHostEmulator(pipeline).DrainAsync();

        // One call found the key rejected; the other job made none.
        Assert.Single(pipeline.Api.Calls);
        foreach (var id in new[] { first, second })
        {
            var job = (await pipeline.Get<JobStore>().GetAsync(new JobId(Guid.Parse(id)), CancellationToken.None))!;
            Assert.Equal((JobStatus.Waiting, WaitReason.InvalidApiKey), (job.Status, job.WaitReason));
            Assert.Contains("API key was rejected", job.LastError);
        }
        Assert.Contains(pipeline.Logs.GetSnapshot(), r => r.Level == LogLevel.Error && r.Message.Contains("Configuration error"));
        var status = await pipeline.Get<AppStatusQuery>().GetAsync(CancellationToken.None);
        Assert.Equal(WaitReason.InvalidApiKey, status.Pause!.Reason);

        // Long past the 72 h a job may wait for credits, a job waiting for a key still waits: it never fails for it.
        pipeline.Time.Advance(TimeSpan.FromDays(4));
        var job2 = (await pipeline.Get<JobStore>().GetAsync(new JobId(Guid.Parse(second)), CancellationToken.None))!;
        var outcome = await pipeline.Get<JobProcessor>().ProcessAsync(JobMessage.For(job2).ToJson(), CancellationToken.None);
        Assert.Equal((JobOutcomeKind.Deferred, WaitReason.InvalidApiKey), (outcome.Kind, outcome.Detail));
        Assert.Single(pipeline.Api.Calls);
    }

    [Fact]
    public async Task A_401_with_an_empty_body_is_described_without_empty_fields()
    {
        _pipeline.Api.Script(new SandboxAnswer(401, ""));
        var jobId = await SubmitAsync("example.com");

        await _host.DrainAsync();

        var job = await GetJobAsync(jobId);
        Assert.Equal("the API key was rejected (HTTP 401): set a working DomDetailer__ApiKey; jobs resume with it", job.LastError);
        var logged = Assert.Single(_pipeline.Logs.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Equal($"Configuration error: DomDetailer rejected the API key (HTTP 401: HTTP 401 with a body that is not the API's JSON error object (0 bytes)) while running job {jobId}; every job waits for a working key", logged.Message);
        var control = await _pipeline.Get<AccountState>().ReadControlAsync(CancellationToken.None);
        Assert.Equal("HTTP 401", control!.PauseDetail);
    }

    [Fact]
    public async Task A_new_key_is_a_new_account_and_the_waiting_jobs_resume_with_it()
    {
        await using var rejected = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?> { ["DomDetailer:ApiKey"] = "revoked-key-123" });
        var id = await SubmitAsync("example.com", rejected);
        await new QueueHostEmulator(rejected).DrainAsync();
        var waiting = (await rejected.Get<JobStore>().GetAsync(new JobId(Guid.Parse(id)), CancellationToken.None))!;

        // The operator sets the right key: the same storage, another pipeline (a restart with the new setting).
        var fixedSettings = rejected.Settings.ToDictionary();
        fixedSettings["DomDetailer:ApiKey"] = TestPipeline.ApiKey;
        fixedSettings["DomDetailer:BaseUrl"] = rejected.Api.BaseUrl.ToString();
        await using var restarted = await TestPipeline.StartAsync(azurite, fixedSettings);
        restarted.Time.Advance(TimeSpan.FromHours(1));
        var outcome = await restarted.Get<JobProcessor>().ProcessAsync(JobMessage.For(waiting).ToJson(), CancellationToken.None);

        Assert.Equal(JobOutcomeKind.Succeeded, outcome.Kind);
        Assert.NotEqual(ApiAccount.IdFor(rejected.Api.BaseUrl, "revoked-key-123"), ApiAccount.IdFor(rejected.Api.BaseUrl, TestPipeline.ApiKey));
    }

    [Fact]
    public async Task A_forbidden_403_is_reported_as_403()
    {
        var jobId = await SubmitAsync("example.com");
        _pipeline.Api.Script(SandboxAnswer.Json(403, """{"error":"forbidden","message":"Key disabled"}"""));

        await _host.DrainAsync();

        Assert.Contains("HTTP 403 forbidden", (await GetJobAsync(jobId)).LastError);
    }

    [Fact]
    public async Task An_unreadable_message_is_dropped_not_retried()
    {
        await _pipeline.Storage.JobsQueue.SendMessageAsync("this is not a job");

        Assert.Equal(1, await _host.DrainAsync());

        Assert.Empty(_pipeline.Api.Calls);
        Assert.Equal(0, (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Contains(_pipeline.Logs.GetSnapshot(), r => r.Message.Contains("unreadable job message"));
    }

    [Fact]
    public async Task A_malformed_200_is_paid_for_so_it_is_stored_counted_and_fails_the_job_with_no_second_call()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?> { ["Budget:DailyCredits"] = "9" });
        var jobId = await SubmitAsync("example.com", pipeline);
        var body = "<html><body>Gateway says hello</body></html>";
        pipeline.Api.Script(SandboxAnswer.Malformed());

        await new QueueHostEmulator(pipeline).DrainAsync();

        var job = (await pipeline.Get<JobStore>().GetAsync(new JobId(Guid.Parse(jobId)), CancellationToken.None))!;
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.StartsWith("malformed_response: not the expected JSON (", job.LastError);
        Assert.Single(pipeline.Api.Calls);

        // The answer, byte for byte, where the error says.
        var blob = Assert.Single(await BlobsOfAsync(pipeline));
        Assert.Contains(blob, job.LastError);
        var stored = (await pipeline.Storage.RawContainer.GetBlobClient(blob).DownloadContentAsync()).Value;
        Assert.Equal(body, stored.Content.ToString());
        Assert.Equal("true", stored.Details.Metadata["malformed"]);

        // The 3 credits are counted: the ledger says so, and no metrics row claims a snapshot.
        Assert.Equal(3, await pipeline.Get<CreditLedger>().SpentAsync(pipeline.Time.GetUtcNow(), CancellationToken.None));
        Assert.Empty(await pipeline.Get<MetricsStore>().GetHistoryAsync("example.com", CancellationToken.None));
    }

    private static async Task<List<string>> BlobsOfAsync(TestPipeline pipeline)
    {
        var names = new List<string>();
        await foreach (var blob in pipeline.Storage.RawContainer.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }
        return names;
    }

    private Task<string> SubmitAsync(string domain) => SubmitAsync(domain, _pipeline);

    private static async Task<string> SubmitAsync(string domain, TestPipeline pipeline)
    {
        var result = await new SubmitLookups(pipeline.Get<SubmissionService>())
            .Run(HttpRequests.Post($$"""{"domain":"{{domain}}"}""", "application/json"), CancellationToken.None);
        var (_, body) = HttpRequests.Read(result);
        return body.GetProperty("accepted")[0].GetProperty("jobId").GetString()!;
    }

    private async Task<JobEntity> GetJobAsync(string jobId) =>
        (await _pipeline.Get<JobStore>().GetAsync(new JobId(Guid.Parse(jobId)), CancellationToken.None))!;

    private Task<IReadOnlyList<MetricsSnapshotEntity>> HistoryAsync(string domain) =>
        _pipeline.Get<MetricsStore>().GetHistoryAsync(domain, CancellationToken.None);

    private async Task<List<string>> BlobsAsync()
    {
        var names = new List<string>();
        await foreach (var blob in _pipeline.Storage.RawContainer.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }
        return names;
    }
}
