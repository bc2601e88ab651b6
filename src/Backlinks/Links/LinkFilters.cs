using System.Globalization;

namespace Backlinks.Links;

/// <summary>The filters the HTTP API and the command line share, read the same way by both.</summary>
public static class LinkFilters
{
    public const int DefaultPageSize = 100;

    /// <summary>A date (<c>2026-11-01</c>, midnight UTC) or a time (<c>2026-11-01T12:00:00Z</c>; UTC when no offset is given).</summary>
    public static bool TryParseSince(string text, out DateTimeOffset since)
    {
        var formats = new[] { "yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK", "yyyy-MM-ddTHH:mmK" };
        if (DateTimeOffset.TryParseExact(text.Trim(), formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out since))
        {
            return true;
        }
        since = default;
        return false;
    }

    public const string SinceFormat = "a date (2026-11-01) or an ISO 8601 time (2026-11-01T12:00:00Z)";
}
