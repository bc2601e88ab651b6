using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Backlinks.Jobs;

/// <summary>
/// A job's business id: a version 7 UUID, so ids sort by creation time and the creation day
/// (the job's table partition) can be read back from the id alone.
/// </summary>
public readonly record struct JobId(Guid Value)
{
    public static JobId New(DateTimeOffset now) => new(Guid.CreateVersion7(now));

    public static bool TryParse([NotNullWhen(true)] string? text, out JobId id)
    {
        id = default;
        if (!Guid.TryParse(text, out var guid) || guid.Version != 7)
        {
            return false;
        }
        id = new JobId(guid);
        return true;
    }

    /// <summary>The creation time carried in the first 48 bits (Unix milliseconds).</summary>
    public DateTimeOffset CreatedAt =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(Value.ToString("N")[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture));

    /// <summary>Jobs are partitioned by UTC creation day: point reads from the id, batch inserts per submission.</summary>
    public string PartitionKey => CreatedAt.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public override string ToString() => Value.ToString("D");
}
