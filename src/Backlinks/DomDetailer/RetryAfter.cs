using System.Net.Http.Headers;

namespace Backlinks.DomDetailer;

/// <summary>Reads <c>Retry-After</c>, which may be a number of seconds or an HTTP date.</summary>
public static class RetryAfter
{
    /// <summary>
    /// The longest wait a <c>Retry-After</c> can ask for; longer ones are read as this. The wait becomes the whole
    /// account's "not before": a broken or hostile header (999999999 seconds, a date decades away) would otherwise stop
    /// every job for good, with nothing to end it. A limit still in force an hour later costs one refused call, no credits.
    /// </summary>
    public static readonly TimeSpan Longest = TimeSpan.FromHours(1);

    public static TimeSpan? From(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header?.Delta is { } delta)
        {
            return Bounded(delta);
        }
        if (header?.Date is { } date)
        {
            return Bounded(date - now);
        }
        return null;
    }

    private static TimeSpan Bounded(TimeSpan wait) => wait < TimeSpan.Zero ? TimeSpan.Zero : wait > Longest ? Longest : wait;
}
