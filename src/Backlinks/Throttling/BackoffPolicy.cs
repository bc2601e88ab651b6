using Microsoft.Extensions.Options;

namespace Backlinks.Throttling;

/// <summary>The delay before a job's next attempt: exponential per job after a 429, with jitter, capped; spread-out waits for shared gates.</summary>
public sealed class BackoffPolicy(IOptions<BackoffOptions> options, Random random)
{
    private readonly BackoffOptions _options = options.Value;

    /// <summary>
    /// A job's own wait after a 429: the API's Retry-After when it gave one (never shorter, a little
    /// longer so that the jobs it refused do not return together), else exponential backoff.
    /// </summary>
    /// <param name="rateLimitedCount">How many 429s this job has seen, this one included (1-based).</param>
    public TimeSpan RateLimitDelay(int rateLimitedCount, TimeSpan? retryAfter) =>
        retryAfter is { } wish
            ? AtLeast(wish)
            : Jittered(Exponential(_options.RateLimitBaseDelay, rateLimitedCount, _options.RateLimitMaxDelay));

    /// <summary>
    /// A wait for an app-wide gate (pause, "not before", budget): never shorter than the gate, and
    /// lengthened by a random part up to the jitter ratio so that the waiting jobs do not all return at once.
    /// </summary>
    public TimeSpan AtLeast(TimeSpan minimum)
    {
        var wait = minimum < TimeSpan.Zero ? TimeSpan.Zero : minimum;
        return wait + TimeSpan.FromTicks((long)(wait.Ticks * _options.JitterRatio * random.NextDouble()));
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
