using Azure;
using Azure.Data.Tables;

namespace Backlinks.Throttling;

/// <summary>
/// The account's call schedule in <c>backlinkcontrol</c> (PartitionKey = the account, RowKey <c>rate-slots</c>):
/// where the next unclaimed call slot starts. Instances claim slots in small batches by moving
/// <see cref="NextSlotUtc"/> on with an ETag-conditional write (see <see cref="SharedCallSlots"/>), so that every
/// instance together keeps to one rate.
/// </summary>
public sealed class CallSlotsEntity : ITableEntity
{
    public const string Row = "rate-slots";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>The first call slot no instance holds yet (wall clock, UTC). Slots before it are taken or expired.</summary>
    public DateTimeOffset NextSlotUtc { get; set; }

    /// <summary>The rate the last batch was spaced at (calls per second).</summary>
    public double RatePerSecond { get; set; }

    /// <summary>How many slots the last batch held.</summary>
    public int LastBatch { get; set; }

    /// <summary>The instances that claimed recently, as <c>id@unix-ms</c> separated by commas: how many share the rate, to size batches.</summary>
    public string Claimants { get; set; } = "";
}
