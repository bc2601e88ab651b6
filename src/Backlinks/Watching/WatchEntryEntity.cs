using Azure;
using Azure.Data.Tables;

namespace Backlinks.Watching;

/// <summary>
/// A row of <c>backlinkwatchlist</c>: one watched domain. PartitionKey = the normalized domain (as in every
/// other table, so Power BI and other readers key on it), RowKey = <see cref="Row"/>. Its schedule changes
/// only through the transitions below; a run claims a due entry by writing <see cref="MarkQueued"/> with the
/// ETag it read, so two runs cannot both queue it.
/// </summary>
public sealed class WatchEntryEntity : ITableEntity
{
    public const string Row = "watch";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Domain { get; set; } = "";

    /// <summary>Free text (<c>clients</c>, <c>competitors:acme</c>): a slicer in Power BI. Empty when none.</summary>
    public string Group { get; set; } = "";

    /// <summary>The refresh interval in the form of <see cref="WatchInterval.Format"/> (<c>7d</c>, <c>12h</c>, <c>d.hh:mm:ss</c>).</summary>
    public string Every { get; set; } = WatchInterval.Format(WatchInterval.Default);

    public bool OnePerDomain { get; set; }
    public bool Enabled { get; set; } = true;
    public DateTimeOffset NextDueUtc { get; set; }
    public DateTimeOffset? LastQueuedUtc { get; set; }
    public string? LastJobId { get; set; }
    public DateTimeOffset AddedAtUtc { get; set; }

    /// <summary>The interval as a span (a method, not a property, so that it is not written as a column).</summary>
    public TimeSpan GetInterval() => WatchInterval.TryParse(Every, out var interval, out _) ? interval : WatchInterval.Default;

    public bool IsDue(DateTimeOffset now) => Enabled && NextDueUtc <= now;

    /// <summary>A new entry is due at once: its first snapshot is queued by the next run.</summary>
    public static WatchEntryEntity New(string domain, WatchSettings settings, DateTimeOffset now)
    {
        var entry = new WatchEntryEntity { PartitionKey = domain, Domain = domain, AddedAtUtc = now, NextDueUtc = now };
        entry.Apply(settings);
        return entry;
    }

    /// <summary>
    /// A copy with the given settings applied (those left out keep their value). An edited interval counts
    /// from the last time the entry was queued, so a shorter one can make it due now.
    /// </summary>
    public WatchEntryEntity With(WatchSettings settings)
    {
        var next = Copy();
        next.Apply(settings);
        if (next.Every != Every && LastQueuedUtc is { } queued)
        {
            next.NextDueUtc = queued + next.GetInterval();
        }
        return next;
    }

    /// <summary>The entry claimed by a run: its job is <paramref name="jobId"/>, and it is next due one interval from now.</summary>
    public WatchEntryEntity MarkQueued(string jobId, DateTimeOffset now)
    {
        var next = Copy();
        next.LastQueuedUtc = now;
        next.LastJobId = jobId;
        next.NextDueUtc = now + GetInterval();
        return next;
    }

    public bool SameSettings(WatchEntryEntity other) =>
        Group == other.Group && Every == other.Every && OnePerDomain == other.OnePerDomain && Enabled == other.Enabled && NextDueUtc == other.NextDueUtc;

    private void Apply(WatchSettings settings)
    {
        Group = settings.Group ?? Group;
        Every = settings.Every is { } every ? WatchInterval.Format(every) : Every;
        OnePerDomain = settings.OnePerDomain ?? OnePerDomain;
        Enabled = settings.Enabled ?? Enabled;
    }

    private WatchEntryEntity Copy() => (WatchEntryEntity)MemberwiseClone();
}

/// <summary>The settings of an entry a caller gives; null leaves a setting as it is (or at its default for a new entry).</summary>
public sealed record WatchSettings(string? Group = null, TimeSpan? Every = null, bool? OnePerDomain = null, bool? Enabled = null);
