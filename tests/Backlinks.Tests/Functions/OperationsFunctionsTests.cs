using System.Text.Json;
using Backlinks.Functions.Http;
using Backlinks.Jobs;
using Backlinks.Operations;
using Backlinks.Queries;
using Backlinks.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Backlinks.Tests.Functions;

/// <summary>GET /api/jobs, POST /api/jobs/{id}/retry and /cancel, POST /api/control/resume, called as the host calls them.</summary>
public sealed class OperationsFunctionsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite);

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private static HttpRequest Get(string query)
    {
        var request = HttpRequests.Get();
        request.QueryString = new QueryString(query);
        return request;
    }

    private static HttpRequest Post() => HttpRequests.Post("", null);

    private Task<JobId> FailedJobAsync(string domain) => ChangedJobAsync(domain, (job, now) => job.MarkFailed("the API refused the request", now));

    private async Task<JobId> ChangedJobAsync(string domain, Action<JobEntity, DateTimeOffset> change)
    {
        var id = await _pipeline.CreateJobAsync(domain);
        var store = _pipeline.Get<JobStore>();
        var row = (await store.GetAsync(id, CancellationToken.None))!;
        change(row, _pipeline.Time.GetUtcNow());
        Assert.True(await store.TryReplaceAsync(row, CancellationToken.None));
        return id;
    }

    [Fact]
    public async Task Jobs_are_listed_newest_first_with_their_filters_and_bad_queries_are_400()
    {
        var failed = await FailedJobAsync("failing.com");
        _pipeline.Time.Advance(TimeSpan.FromMinutes(1));
        var queued = await _pipeline.CreateJobAsync("queued.com");
        var list = new ListJobs(_pipeline.Get<JobListQuery>());

        var (status, all) = HttpRequests.Read(await list.Run(Get(""), CancellationToken.None));
        var (_, onlyFailed) = HttpRequests.Read(await list.Run(Get("?status=failed&since=2026-11-28&domain=FAILING.com&top=5"), CancellationToken.None));
        var (badStatus, error) = HttpRequests.Read(await list.Run(Get("?status=done"), CancellationToken.None));
        var (badTop, _) = HttpRequests.Read(await list.Run(Get("?top=many"), CancellationToken.None));

        Assert.Equal(200, status);
        Assert.Equal([queued.ToString(), failed.ToString()], all.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("jobId").GetString()));
        Assert.False(all.GetProperty("truncated").GetBoolean());
        var job = Assert.Single(onlyFailed.GetProperty("jobs").EnumerateArray());
        Assert.Equal(("failed", "failing.com"), (job.GetProperty("status").GetString(), job.GetProperty("domain").GetString()));
        Assert.Equal(5, onlyFailed.GetProperty("limit").GetInt32());
        Assert.Equal((400, "invalid_query"), (badStatus, error.GetProperty("error").GetString()));
        Assert.Equal(400, badTop);
    }

    [Fact]
    public async Task Retry_re_queues_a_failed_job_and_answers_409_404_and_400_otherwise()
    {
        var failed = await FailedJobAsync("failing.com");
        var queued = await _pipeline.CreateJobAsync("queued.com");
        var retry = new RetryJob(_pipeline.Get<JobOperations>());

        var (ok, body) = HttpRequests.Read(await retry.Run(Post(), failed.ToString(), CancellationToken.None));
        var (conflict, notFailed) = HttpRequests.Read(await retry.Run(Post(), queued.ToString(), CancellationToken.None));
        var (missing, unknown) = HttpRequests.Read(await retry.Run(Post(), JobId.New(TestPipeline.Start).ToString(), CancellationToken.None));
        var (bad, _) = HttpRequests.Read(await retry.Run(Post(), "12345", CancellationToken.None));

        Assert.Equal(200, ok);
        Assert.Equal("done", body.GetProperty("outcome").GetString());
        Assert.Equal(("queued", 1), (body.GetProperty("job").GetProperty("status").GetString(), body.GetProperty("job").GetProperty("retries").GetInt32()));
        Assert.Equal((409, "job_not_failed"), (conflict, notFailed.GetProperty("error").GetString()));
        Assert.Equal($"Job {queued} is queued and cannot be retried: only a failed job can be retried.", notFailed.GetProperty("message").GetString());
        Assert.Equal((404, "job_not_found"), (missing, unknown.GetProperty("error").GetString()));
        Assert.Equal(400, bad);
        Assert.Equal(1, (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Cancel_ends_a_queued_job_cancelled_and_a_final_one_is_409()
    {
        var queued = await _pipeline.CreateJobAsync("queued.com");
        var failed = await FailedJobAsync("failing.com");
        var cancel = new CancelJob(_pipeline.Get<JobOperations>());

        var (ok, body) = HttpRequests.Read(await cancel.Run(Post(), queued.ToString(), CancellationToken.None));
        var (conflict, final) = HttpRequests.Read(await cancel.Run(Post(), failed.ToString(), CancellationToken.None));

        Assert.Equal((200, "cancelled"), (ok, body.GetProperty("job").GetProperty("status").GetString()));
        Assert.Equal((409, "job_not_cancellable"), (conflict, final.GetProperty("error").GetString()));
        var (_, lookup) = HttpRequests.Read(await new GetLookup(_pipeline.Get<JobQueries>()).Run(HttpRequests.Get(), queued.ToString(), CancellationToken.None));
        Assert.Equal("cancelled", lookup.GetProperty("status").GetString());
        var (_, app) = HttpRequests.Read(await new GetStatus(_pipeline.Get<AppStatusQuery>()).Run(HttpRequests.Get(), CancellationToken.None));
        Assert.Equal(1, app.GetProperty("jobsByStatus").GetProperty("cancelled").GetInt32());
    }

    [Fact]
    public async Task Resume_is_200_when_not_paused_409_with_the_balance_while_still_empty_and_200_once_credits_are_back()
    {
        var resume = new ResumeApi(_pipeline.Get<PauseResumer>());
        var (notPaused, idle) = HttpRequests.Read(await resume.Run(Post(), CancellationToken.None));

        _pipeline.Api.Credits = 0;
        Assert.Equal(JobOutcomeKind.Deferred, (await _pipeline.RunJobAsync(await _pipeline.CreateJobAsync("a.com"))).Kind);
        var (stillEmpty, refused) = HttpRequests.Read(await resume.Run(Post(), CancellationToken.None));
        _pipeline.Api.Credits = 500;
        var (resumed, back) = HttpRequests.Read(await resume.Run(Post(), CancellationToken.None));

        Assert.Equal((200, "notPaused"), (notPaused, idle.GetProperty("outcome").GetString()));
        Assert.Equal((409, "still_paused"), (stillEmpty, refused.GetProperty("error").GetString()));
        Assert.Equal(0, refused.GetProperty("balanceUnits").GetInt64());
        Assert.StartsWith("Still out of credits: the balance is 0 credits", refused.GetProperty("message").GetString());
        Assert.Equal((200, "resumed", 500L), (resumed, back.GetProperty("outcome").GetString(), back.GetProperty("balanceUnits").GetInt64()));
    }

    [Fact]
    public async Task A_lookup_served_from_a_stored_snapshot_says_so()
    {
        var first = await _pipeline.CreateJobAsync("example.com");
        Assert.Equal(JobOutcomeKind.Succeeded, (await _pipeline.RunJobAsync(first)).Kind);
        var second = await _pipeline.CreateJobAsync("example.com");
        Assert.Equal(JobOutcomeKind.Succeeded, (await _pipeline.RunJobAsync(second)).Kind);
        var lookup = new GetLookup(_pipeline.Get<JobQueries>());

        var (_, fetched) = HttpRequests.Read(await lookup.Run(HttpRequests.Get(), first.ToString(), CancellationToken.None));
        var (_, cached) = HttpRequests.Read(await lookup.Run(HttpRequests.Get(), second.ToString(), CancellationToken.None));

        Assert.False(fetched.GetProperty("servedFromCache").GetBoolean());
        Assert.True(cached.GetProperty("servedFromCache").GetBoolean());
        Assert.Equal(first.ToString(), cached.GetProperty("snapshotJobId").GetString());
        Assert.Equal(JsonValueKind.True, cached.GetProperty("result").GetProperty("servedFromCache").ValueKind);
    }
}
