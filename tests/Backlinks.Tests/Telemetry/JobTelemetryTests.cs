using System.Diagnostics;
using Backlinks.Jobs;
using Backlinks.Telemetry;
using Backlinks.Tests.Infrastructure;
using Backlinks.Throttling;
using static Backlinks.Telemetry.BacklinksTelemetry;

namespace Backlinks.Tests.Telemetry;

/// <summary>The spans and metrics of jobs, read from the OpenTelemetry in-memory exporter: names, attributes, one trace per job.</summary>
[Collection(RunAloneCollection.Name)]
public sealed class JobTelemetryTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly TelemetryCapture _telemetry = new();
    private TestPipeline _pipeline = null!;
    private QueueHostEmulator _host = null!;

    public async Task InitializeAsync()
    {
        _pipeline = await TestPipeline.StartAsync(azurite, telemetry: _telemetry);
        _host = new QueueHostEmulator(_pipeline);
    }

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    [Fact]
    public async Task A_job_is_one_trace_from_the_submission_through_the_queue_to_the_call_and_the_writes()
    {
        var submitted = await _pipeline.SubmitAsync(["example.com"]);
        var jobId = Assert.Single(submitted.Response!.Accepted).JobId;
        _pipeline.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, await _host.DrainAsync());
        _telemetry.Flush(_pipeline.Services);

        var submit = Assert.Single(_telemetry.Named(Spans.Submit));
        Assert.Equal(1, submit.GetTagItem(Attributes.Jobs));
        var job = Assert.Single(_telemetry.Named(Spans.Job));
        Assert.Equal(ActivityKind.Consumer, job.Kind);
        Assert.Equal(submit.TraceId, job.TraceId);
        Assert.Equal(submit.SpanId, job.ParentSpanId);
        Assert.Equal("example.com", job.GetTagItem(Attributes.Domain));
        Assert.Equal(jobId, job.GetTagItem(Attributes.JobId));
        Assert.Equal(1, job.GetTagItem(Attributes.Attempt));
        Assert.Equal("succeeded", job.GetTagItem(Attributes.Outcome));
        Assert.Equal(30.0, job.GetTagItem(Attributes.QueueDelaySeconds));
        Assert.Equal(30.0, job.GetTagItem(Attributes.JobDurationSeconds));

        var call = Assert.Single(_telemetry.Named(Spans.BacklinksCall));
        Assert.Equal(job.SpanId, call.ParentSpanId);
        Assert.Equal(200, call.GetTagItem(Attributes.HttpStatus));
        Assert.Equal(CreditLedger.CreditsPerCall, call.GetTagItem(Attributes.Credits));
        foreach (var write in new[] { Spans.UploadRaw, Spans.ApplySnapshot })
        {
            Assert.Equal(job.SpanId, Assert.Single(_telemetry.Named(write)).ParentSpanId);
        }
        // The job row is written twice: marked running before the call, then succeeded.
        Assert.Equal([job.SpanId, job.SpanId], _telemetry.Named(Spans.WriteJobRow).Select(s => s.ParentSpanId));
        // The HTTP request's own span is in the trace, recorded without its query (the key travels there).
        // (Its other HTTP children are the storage requests of the shared call schedule.)
        var http = Assert.Single(_telemetry.Spans, s => s.ParentSpanId == call.SpanId
            && s.GetTagItem("url.full") is string url && url.StartsWith(_pipeline.Api.BaseUrl.ToString(), StringComparison.Ordinal));
        Assert.Equal($"{_pipeline.Api.BaseUrl}api2/backlinks.php", http.GetTagItem("url.full"));
    }

    [Fact]
    public async Task The_metrics_carry_the_contract_names_and_tags()
    {
        // The 429 comes last: after one, the next call waits about a second on the real clock (the rate it lowers
        // to spaces calls on the system clock, which a fake clock cannot advance).
        _pipeline.Api.Script(SandboxApi.Synthetic("example.com", rows: 4), SandboxAnswer.BadRequest(), SandboxApi.Synthetic("example.com", rows: 2),
            SandboxAnswer.RateLimited("30"));
        await _pipeline.SubmitAsync(["example.com"]);
        _pipeline.Time.Advance(TimeSpan.FromSeconds(30));
        await _host.DrainAsync();
        await _pipeline.SubmitAsync(["bad.com"]);
        await _host.DrainAsync();
        // A second snapshot of example.com, an hour later, with half its links gone.
        _pipeline.Time.Advance(TimeSpan.FromHours(1));
        await _pipeline.SubmitAsync(["example.com"], force: true);
        await _host.DrainAsync();
        await _pipeline.SubmitAsync(["limited.com"]);
        await _host.DrainAsync();
        _telemetry.Flush(_pipeline.Services);

        Assert.Equal(2, _telemetry.Sum(BacklinksMetrics.ApiCalls, (Attributes.Endpoint, "backlinks"), (Attributes.Status, "200")));
        Assert.Equal(1, _telemetry.Sum(BacklinksMetrics.ApiCalls, (Attributes.Endpoint, "backlinks"), (Attributes.Status, "429")));
        Assert.Equal(1, _telemetry.Sum(BacklinksMetrics.ApiCalls, (Attributes.Endpoint, "backlinks"), (Attributes.Status, "400")));
        Assert.Equal(2 * CreditLedger.CreditsPerCall, _telemetry.Sum(BacklinksMetrics.CreditsSpent));
        Assert.Equal(2, _telemetry.Sum(BacklinksMetrics.JobsCompleted, (Attributes.Status, JobStatus.Succeeded)));
        Assert.Equal(1, _telemetry.Sum(BacklinksMetrics.JobsCompleted, (Attributes.Status, JobStatus.Failed)));
        Assert.Equal(3, _telemetry.Count(BacklinksMetrics.JobDuration));
        Assert.Equal(4, _telemetry.Count(BacklinksMetrics.QueueDelay));
        // The counts the metrics history rows record for the two snapshots (the first is the baseline: nothing new).
        var history = await _pipeline.Get<Backlinks.Storage.MetricsStore>().GetHistoryAsync("example.com", CancellationToken.None);
        Assert.Equal(2, _telemetry.Sum(BacklinksMetrics.LinksLost));
        Assert.Equal(history.Sum(h => h.LostLinks ?? 0), _telemetry.Sum(BacklinksMetrics.LinksLost));
        Assert.Equal(history.Sum(h => h.NewLinks ?? 0), _telemetry.Sum(BacklinksMetrics.LinksNew));
        Assert.Equal(0, _telemetry.Gauge(BacklinksMetrics.PauseActive));

        // The 429 deferred its job: the span says so, and the job waits in the queue.
        Assert.Contains(_telemetry.Named(Spans.Job), s => "deferred".Equals(s.GetTagItem(Attributes.Outcome)) && "limited.com".Equals(s.GetTagItem(Attributes.Domain)));
        var limited = Assert.Single(_telemetry.Named(Spans.BacklinksCall), s => "limited.com".Equals(s.GetTagItem(Attributes.Domain)));
        Assert.Equal(429, limited.GetTagItem(Attributes.HttpStatus));
        Assert.Equal(0, limited.GetTagItem(Attributes.Credits));
    }

    [Fact]
    public async Task The_pause_gauge_is_one_while_the_account_is_out_of_credits()
    {
        _pipeline.Api.Script(SandboxAnswer.OutOfCredits());
        await _pipeline.SubmitAsync(["broke.com", "waiting.com"]);
        await _host.DrainAsync();
        _telemetry.Flush(_pipeline.Services);

        Assert.Equal(1, _telemetry.Gauge(BacklinksMetrics.PauseActive));
        Assert.Equal(1, _telemetry.Sum(BacklinksMetrics.ApiCalls, (Attributes.Status, "402")));
        Assert.Equal(0, _telemetry.Sum(BacklinksMetrics.CreditsSpent));
    }

    [Fact]
    public async Task Every_attempt_of_a_deferred_job_stays_in_the_submission_trace()
    {
        _pipeline.Api.Script(SandboxAnswer.RateLimited("30"), SandboxApi.Synthetic("example.com"));
        var jobId = Assert.Single((await _pipeline.SubmitAsync(["example.com"])).Response!.Accepted).JobId;
        await _host.DrainAsync();

        // The re-sent message carries the trace context of the attempt that deferred it.
        _pipeline.Time.Advance(TimeSpan.FromHours(1));
        var job = await _pipeline.Get<JobStore>().GetAsync(JobId.TryParse(jobId, out var id) ? id : throw new InvalidOperationException(), CancellationToken.None);
        var next = JobMessage.For(job!);
        _telemetry.Flush(_pipeline.Services);
        var first = Assert.Single(_telemetry.Named(Spans.Job));
        var resent = Assert.Single(_telemetry.Named(Spans.SendMessage));
        Assert.Equal(first.SpanId, resent.ParentSpanId);

        // Delivered as the queue would (the message the processor sent), the second attempt joins the trace.
        await _pipeline.Storage.JobsQueue.ClearMessagesAsync();
        var sentBody = next.WithTraceOf(first).ToJson();
        Assert.Equal(JobOutcomeKind.Succeeded, (await _pipeline.Get<JobProcessor>().ProcessAsync(sentBody, CancellationToken.None)).Kind);
        _telemetry.Flush();

        var submit = Assert.Single(_telemetry.Named(Spans.Submit));
        var attempts = _telemetry.Named(Spans.Job).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(submit.TraceId, a.TraceId));
        Assert.Equal(first.SpanId, attempts[1].ParentSpanId);
        Assert.Equal(2, attempts[1].GetTagItem(Attributes.Attempt));
    }

    [Fact]
    public async Task A_message_sent_under_a_trace_carries_its_context_through_the_real_queue()
    {
        using var source = new ActivitySource("Backlinks.Tests.Caller");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        ActivityTraceId caller;
        using (var request = source.StartActivity("POST /api/lookups"))
        {
            caller = request!.TraceId;
            await _pipeline.SubmitAsync(["example.com"]);
        }

        var body = (await _pipeline.Storage.JobsQueue.PeekMessageAsync()).Value.Body.ToString();
        Assert.True(JobMessage.TryParse(body, out var message, out _));
        Assert.Equal(caller, message.TraceContext()!.Value.TraceId);

        // The runner's own span (the Functions invocation) is linked, and the job's span continues the message's trace.
        using (source.StartActivity("Invoke ProcessBacklinkJob"))
        {
            await _host.DrainAsync();
        }
        _telemetry.Flush(_pipeline.Services);
        var job = Assert.Single(_telemetry.Named(Spans.Job));
        Assert.Equal(caller, job.TraceId);
        Assert.Single(job.Links);
    }
}
