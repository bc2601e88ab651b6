using Microsoft.Extensions.Options;

namespace Backlinks.Jobs;

/// <summary>The delay before a job's next attempt: exponential per job, with jitter, capped.</summary>
public sealed class BackoffPolicy(IOptions<BackoffOptions> options, Random random)
{
    private readonly BackoffOptions _options = options.Value;

    /// <param name="rateLimitedCount">How many 429s this job has seen, this one included (1-based).</param>
    public TimeSpan RateLimitDelay(int rateLimitedCount, TimeSpan? retryAfter)
    {
        var backoff = Jittered(Exponential(_options.RateLimitBaseDelay, rateLimitedCount, _options.RateLimitMaxDelay));
        return retryAfter is { } wish && wish > backoff ? wish : backoff;
    }

    /// <param name="outOfCreditsCount">How many 402s this job has seen, this one included (1-based).</param>
    public TimeSpan OutOfCreditsDelay(int outOfCreditsCount, TimeSpan? retryAfter)
    {
        var backoff = Jittered(Exponential(_options.CreditsInitialDelay, outOfCreditsCount, _options.CreditsMaxDelay));
        return retryAfter is { } wish && wish > backoff ? wish : backoff;
    }

    private static TimeSpan Exponential(TimeSpan first, int count, TimeSpan cap)
    {
        var doublings = Math.Clamp(count - 1, 0, 30);
        var ticks = first.Ticks * Math.Pow(2, doublings);
        return ticks >= cap.Ticks ? cap : TimeSpan.FromTicks((long)ticks);
    }

    private TimeSpan Jittered(TimeSpan delay) =>
        TimeSpan.FromTicks((long)(delay.Ticks * (1 - (_options.JitterRatio * random.NextDouble()))));
}
