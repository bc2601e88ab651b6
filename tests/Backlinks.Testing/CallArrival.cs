namespace Backlinks.Testing;

/// <summary>One backlinks call as the fake API saw it arrive: when (wall clock), and the <c>app</c> parameter that names the caller.</summary>
public sealed record CallArrival(DateTimeOffset At, string App)
{
    /// <summary>The most calls that arrived within any one second (a sliding window, as the API counts).</summary>
    public static int MostInOneSecond(IReadOnlyList<CallArrival> arrivals)
    {
        var times = arrivals.Select(a => a.At).Order().ToArray();
        var most = 0;
        var first = 0;
        for (var last = 0; last < times.Length; last++)
        {
            while (times[last] - times[first] >= TimeSpan.FromSeconds(1))
            {
                first++;
            }
            most = Math.Max(most, last - first + 1);
        }
        return most;
    }
}
