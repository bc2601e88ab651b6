using Backlinks.Cli.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Backlinks.Tests.Cli;

/// <summary>What each Ctrl-C or SIGTERM asks, on the fake clock (the process tests send real signals).</summary>
public sealed class StopSignalsTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void For_work_the_first_stops_a_second_quits_and_a_third_exits_at_once()
    {
        var signals = new StopSignals(handsJobsBack: true, _time);

        Assert.Equal(StopRequest.Stop, signals.Next());
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(StopRequest.Quit, signals.Next());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(StopRequest.ExitNow, signals.Next());
    }

    [Fact]
    public void A_copy_of_the_first_signal_within_the_window_asks_nothing_more()
    {
        var signals = new StopSignals(handsJobsBack: true, _time);

        Assert.Equal(StopRequest.Stop, signals.Next());
        Assert.Equal(StopRequest.Copy, signals.Next());                // timeout's copy, sent to its process group
        _time.Advance(StopSignals.CopyWindow - TimeSpan.FromMilliseconds(1));
        Assert.Equal(StopRequest.Copy, signals.Next());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(StopRequest.Quit, signals.Next());                // a person's second Ctrl-C
    }

    [Fact]
    public void Without_jobs_in_hand_the_second_signal_exits_at_once()
    {
        var signals = new StopSignals(handsJobsBack: false, _time);

        Assert.Equal(StopRequest.Stop, signals.Next());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(StopRequest.ExitNow, signals.Next());
    }
}
