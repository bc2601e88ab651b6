using Backlinks.Jobs;
using Backlinks.Throttling;
using Microsoft.Extensions.Options;

namespace Backlinks.Tests.Jobs;

public class BackoffPolicyTests
{
    private static readonly BackoffOptions Options = new()
    {
        RateLimitBaseDelay = TimeSpan.FromSeconds(30),
        RateLimitMaxDelay = TimeSpan.FromMinutes(15),
        CreditsInitialDelay = TimeSpan.FromMinutes(15),
        CreditsMaxDelay = TimeSpan.FromHours(6),
        JitterRatio = 0.2,
    };

    private static BackoffPolicy Policy(int seed = 7) => new(Microsoft.Extensions.Options.Options.Create(Options), new Random(seed));

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(3, 120)]
    [InlineData(5, 480)]
    [InlineData(6, 900)]
    [InlineData(40, 900)]
    public void Rate_limit_backoff_doubles_per_429_within_jitter_and_cap(int count, int expectedSeconds)
    {
        for (var seed = 0; seed < 50; seed++)
        {
            var delay = Policy(seed).RateLimitDelay(count, retryAfter: null).TotalSeconds;

            Assert.InRange(delay, expectedSeconds * 0.8, expectedSeconds);
        }
    }

    [Fact]
    public void Retry_after_is_what_the_job_waits_never_less_and_a_little_more_even_past_the_cap()
    {
        // The API's own wish: the learned request rate, not a long per-job backoff, keeps the next call from bouncing.
        Assert.InRange(Policy().RateLimitDelay(1, TimeSpan.FromMinutes(20)).TotalMinutes, 20, 24);
        Assert.InRange(Policy().RateLimitDelay(3, TimeSpan.FromSeconds(5)).TotalSeconds, 5, 6);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(60)]
    [InlineData(900)]
    public void Waits_for_shared_gates_are_never_shorter_than_the_gate_and_spread_above_it(int seconds)
    {
        for (var seed = 0; seed < 50; seed++)
        {
            var wait = Policy(seed).AtLeast(TimeSpan.FromSeconds(seconds)).TotalSeconds;

            Assert.InRange(wait, seconds, seconds * 1.2);
        }
        Assert.Equal(TimeSpan.Zero, Policy().AtLeast(TimeSpan.FromSeconds(-5)));
    }

    [Fact]
    public void Jitter_spreads_delays()
    {
        var delays = Enumerable.Range(0, 20).Select(seed => Policy(seed).AtLeast(TimeSpan.FromMinutes(15))).Distinct().Count();

        Assert.True(delays > 10);
    }

    [Fact]
    public void Invalid_options_are_refused_with_the_setting_name()
    {
        var result = new BackoffOptionsValidator().Validate(null, new BackoffOptions { RateLimitBaseDelay = TimeSpan.Zero, JitterRatio = 1.5 });

        Assert.True(result.Failed);
        Assert.Contains("Backoff__RateLimitBaseDelay", result.FailureMessage);
        Assert.Contains("Backoff__JitterRatio", result.FailureMessage);
    }
}
