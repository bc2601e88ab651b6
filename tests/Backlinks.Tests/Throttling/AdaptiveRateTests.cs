using Backlinks.DomDetailer;
using Backlinks.Throttling;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Backlinks.Tests.Throttling;

/// <summary>The learned request rate: down to what the API answers on a 429, slowly up without one, never above the maximum.</summary>
public class AdaptiveRateTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));

    private AdaptiveRate Rate(double maximum = 5) =>
        new(Options.Create(new DomDetailerOptions { MaxRequestsPerSecond = maximum }), _time);

    /// <summary>Answers at one per <paramref name="interval"/> for <paramref name="count"/> calls.</summary>
    private void Answered(AdaptiveRate rate, int count, TimeSpan interval)
    {
        for (var i = 0; i < count; i++)
        {
            _time.Advance(interval);
            rate.OnAnswered();
        }
    }

    [Fact]
    public async Task A_429_lowers_the_rate_to_just_under_what_the_api_answered_in_the_last_second()
    {
        var rate = Rate(maximum: 5);
        var epoch = await rate.WaitTurnAsync(CancellationToken.None);
        Answered(rate, 2, TimeSpan.FromMilliseconds(450)); // the API let two calls through in the last second

        rate.OnRateLimited(epoch, retryAfter: null);

        Assert.Equal(2 * AdaptiveRate.BelowObserved, rate.PerSecond, precision: 6);
    }

    [Fact]
    public async Task Calls_in_flight_at_the_old_rate_lower_it_once_not_once_each()
    {
        var rate = Rate(maximum: 5);
        var epoch = await rate.WaitTurnAsync(CancellationToken.None);
        Answered(rate, 2, TimeSpan.FromMilliseconds(450));

        rate.OnRateLimited(epoch, null);
        var once = rate.PerSecond;
        rate.OnRateLimited(epoch, null);
        rate.OnRateLimited(epoch, null);

        Assert.Equal(once, rate.PerSecond);
    }

    [Fact]
    public async Task Without_answers_to_measure_a_429_keeps_85_percent()
    {
        var rate = Rate(maximum: 4);
        var epoch = await rate.WaitTurnAsync(CancellationToken.None);

        rate.OnRateLimited(epoch, null);

        Assert.Equal(4 * AdaptiveRate.DecreaseFactor, rate.PerSecond, precision: 6);
    }

    [Fact]
    public async Task Without_429s_the_rate_climbs_slowly_near_the_last_limit_faster_below_it_and_never_past_the_maximum()
    {
        var rate = Rate(maximum: 3);
        var epoch = await rate.WaitTurnAsync(CancellationToken.None);
        Answered(rate, 2, TimeSpan.FromMilliseconds(450));
        rate.OnRateLimited(epoch, null); // 1.9/s, the limit seen at 2/s
        var start = rate.PerSecond;

        Answered(rate, 10, TimeSpan.FromSeconds(1));
        Assert.Equal(start + (10 * AdaptiveRate.SlowIncreasePerSecond), rate.PerSecond, precision: 6);

        Answered(rate, 10_000, TimeSpan.FromSeconds(1));
        Assert.Equal(3, rate.PerSecond);
    }

    [Fact]
    public async Task Retry_after_holds_the_next_call_on_the_apps_clock()
    {
        var rate = Rate(maximum: 1000);
        var epoch = await rate.WaitTurnAsync(CancellationToken.None);
        rate.OnRateLimited(epoch, TimeSpan.FromSeconds(1));

        var next = rate.WaitTurnAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(next.IsCompleted, "a call went out before Retry-After");

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(epoch + 1, await next.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_rate_another_instance_stored_is_taken_once_and_kept_within_bounds()
    {
        var rate = Rate(maximum: 5);
        var at = _time.GetUtcNow();

        rate.Adopt(1.5, at);
        Assert.Equal(1.5, rate.PerSecond);
        rate.Adopt(4, at); // the same change again: already taken
        Assert.Equal(1.5, rate.PerSecond);
        rate.Adopt(50, at.AddSeconds(1));
        Assert.Equal(5, rate.PerSecond);
    }
}
