using System.Diagnostics;
using Backlinks.Jobs;

namespace Backlinks.Tests.Telemetry;

/// <summary>The optional trace context of the v2 job message.</summary>
public sealed class JobMessageTraceTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_message_carries_the_w3c_trace_context_of_the_activity_it_was_sent_under()
    {
        using var activity = new Activity("submit").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.TraceStateString = "vendor=1";
        var json = JobMessage.ForNew(JobId.New(Now), "example.com", false, false, Now).WithTraceOf(activity).ToJson();

        Assert.Contains($"\"traceparent\":\"{activity.Id}\"", json);
        Assert.True(JobMessage.TryParse(json, out var read, out _));
        var context = read.TraceContext()!.Value;
        Assert.Equal(activity.TraceId, context.TraceId);
        Assert.Equal(activity.SpanId, context.SpanId);
        Assert.Equal("vendor=1", context.TraceState);
        Assert.True(context.IsRemote);
    }

    [Fact]
    public void Messages_without_a_trace_context_or_with_a_broken_one_still_read()
    {
        var id = JobId.New(Now);
        var plain = JobMessage.ForNew(id, "example.com", false, false, Now).ToJson();
        Assert.DoesNotContain("traceparent", plain);
        Assert.True(JobMessage.TryParse(plain, out var read, out _));
        Assert.Null(read.TraceContext());

        var broken = plain.Replace("}", ",\"traceparent\":\"not-a-traceparent\"}", StringComparison.Ordinal);
        Assert.True(JobMessage.TryParse(broken, out var brokenRead, out _));
        Assert.Null(brokenRead.TraceContext());

        Assert.True(JobMessage.TryParse($$"""{"v":1,"jobId":"{{id}}"}""", out var v1, out _));
        Assert.Null(v1.TraceContext());
        Assert.Same(read, read.WithTraceOf(null));
    }
}
