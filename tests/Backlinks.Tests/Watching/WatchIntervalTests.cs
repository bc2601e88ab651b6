using Backlinks.Watching;

namespace Backlinks.Tests.Watching;

public class WatchIntervalTests
{
    [Theory]
    [InlineData("12h", 12 * 60)]
    [InlineData("1d", 24 * 60)]
    [InlineData("7d", 7 * 24 * 60)]
    [InlineData(" 2D ", 2 * 24 * 60)]
    [InlineData("1h", 60)]
    [InlineData("1.12:00:00", 36 * 60)]
    [InlineData("01:30:00", 90)]
    public void Reads_the_accepted_forms(string text, int minutes)
    {
        Assert.True(WatchInterval.TryParse(text, out var interval, out var error), error);
        Assert.Equal(TimeSpan.FromMinutes(minutes), interval);
    }

    [Theory]
    [InlineData("7")]
    [InlineData("weekly")]
    [InlineData("")]
    [InlineData("-1d")]
    [InlineData("1.5d")]
    [InlineData("7 days")]
    [InlineData("1w")]
    public void An_unreadable_interval_is_refused_naming_the_accepted_forms(string text)
    {
        Assert.False(WatchInterval.TryParse(text, out _, out var error));
        Assert.Contains("12h, 1d, 7d", error);
        Assert.Contains("d.hh:mm:ss", error);
    }

    [Theory]
    [InlineData("0h")]
    [InlineData("00:59:59")]
    [InlineData("0.00:30:00")]
    public void Under_an_hour_is_refused(string text)
    {
        Assert.False(WatchInterval.TryParse(text, out _, out var error));
        Assert.Contains("at least 1 hour", error);
    }

    [Fact]
    public void Over_a_year_is_refused() => Assert.False(WatchInterval.TryParse("366d", out _, out _));

    [Theory]
    [InlineData("7d", "7d")]
    [InlineData("168h", "7d")]
    [InlineData("12h", "12h")]
    [InlineData("01:30:00", "01:30:00")]
    [InlineData("1.00:30:00", "1.00:30:00")]
    public void Formats_the_shortest_form_that_reads_back(string text, string formatted)
    {
        Assert.True(WatchInterval.TryParse(text, out var interval, out _));
        Assert.Equal(formatted, WatchInterval.Format(interval));
        Assert.True(WatchInterval.TryParse(formatted, out var again, out _));
        Assert.Equal(interval, again);
    }
}
