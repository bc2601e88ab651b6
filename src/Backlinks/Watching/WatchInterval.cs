using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Backlinks.Watching;

/// <summary>
/// How often a watched domain is refreshed: <c>12h</c>, <c>1d</c>, <c>7d</c> (whole hours or days) or
/// <c>d.hh:mm:ss</c>; at least 1 hour, at most 365 days, 7 days when not given.
/// </summary>
public static class WatchInterval
{
    public static readonly TimeSpan Default = TimeSpan.FromDays(7);
    public static readonly TimeSpan Minimum = TimeSpan.FromHours(1);

    // Far enough for any refresh plan, near enough that a due time never overflows a date.
    public static readonly TimeSpan Maximum = TimeSpan.FromDays(365);

    public const string AcceptedForms = "12h, 1d, 7d (a whole number of hours or days) or d.hh:mm:ss";

    /// <summary>Reads an interval; on failure, <paramref name="error"/> is one sentence naming the accepted forms.</summary>
    public static bool TryParse(string? text, out TimeSpan interval, [NotNullWhen(false)] out string? error)
    {
        interval = default;
        error = null;
        var value = text?.Trim() ?? "";
        if (!TryRead(value, out var read))
        {
            error = $"'{text}' is not an interval: use {AcceptedForms}.";
            return false;
        }
        if (read < Minimum)
        {
            error = $"'{text}' is too short: the interval is at least 1 hour ({AcceptedForms}).";
            return false;
        }
        if (read > Maximum)
        {
            error = $"'{text}' is too long: the interval is at most 365 days.";
            return false;
        }
        interval = read;
        return true;
    }

    /// <summary>The shortest accepted form: <c>7d</c>, <c>12h</c>, else <c>d.hh:mm:ss</c>. What the table stores.</summary>
    public static string Format(TimeSpan interval) =>
        interval.Ticks % TimeSpan.TicksPerDay == 0 ? $"{interval.Days}d"
        : interval.Ticks % TimeSpan.TicksPerHour == 0 ? $"{(long)interval.TotalHours}h"
        : interval.ToString("c", CultureInfo.InvariantCulture);

    private static bool TryRead(string value, out TimeSpan interval)
    {
        interval = default;
        if (value.Length >= 2 && value[^1] is 'h' or 'H' or 'd' or 'D')
        {
            if (!int.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > 100_000)
            {
                return false;
            }
            interval = value[^1] is 'h' or 'H' ? TimeSpan.FromHours(count) : TimeSpan.FromDays(count);
            return true;
        }
        // d.hh:mm:ss (the invariant "c" form; hh:mm:ss alone is read too). A bare number is not: "7" would mean 7 days to TimeSpan.
        return value.Contains(':', StringComparison.Ordinal)
            && TimeSpan.TryParseExact(value, "c", CultureInfo.InvariantCulture, out interval)
            && interval > TimeSpan.Zero;
    }
}
