using System.Diagnostics;
using Backlinks.Telemetry;

namespace Backlinks.Tests.Infrastructure;

/// <summary>
/// A pipeline that records traces keeps its own test's activities and those started outside any test, and leaves those
/// of a test running beside it: the leak searches see all of their own, and pay for no one else's.
/// </summary>
public sealed class TestFlowTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly ActivitySource Source = new(BacklinksTelemetry.Name);

    [Fact]
    public async Task Recorded_traces_hold_the_tests_own_activities_and_those_of_no_test_but_not_another_tests()
    {
        var telemetry = new TelemetryCapture();
        await using var pipeline = await TestPipeline.StartAsync(azurite, telemetry: telemetry, recordTraces: true);

        Trace("ours");
        await OutsideAnyTest(() => Trace("nobodys"));
        await OutsideAnyTest(() =>
        {
            TestFlow.Mark();
            Trace("another-tests");
        });
        telemetry.Flush(pipeline.Services);

        foreach (var text in new[] { pipeline.AllDiagnosticText(), telemetry.AllText() })
        {
            Assert.Contains("who=ours", text);
            Assert.Contains("who=nobodys", text);
            Assert.DoesNotContain("who=another-tests", text);
        }
    }

    private static void Trace(string who)
    {
        using var activity = Source.StartActivity("probe");
        Assert.NotNull(activity);
        activity.SetTag("who", who);
    }

    // A flow that starts empty, as a timer's or another test's does.
    private static Task OutsideAnyTest(Action work)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(work);
        }
    }
}
