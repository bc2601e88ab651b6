using Azure;
using Azure.Data.Tables;

namespace Backlinks.Throttling;

/// <summary>
/// The API account's shared state in <c>backlinkcontrol</c> (PartitionKey = the account, RowKey <c>api</c>):
/// the out-of-credits pause, the "not before" time after a 429 and the last known balance. Every
/// instance reads and writes the same row.
/// </summary>
public sealed class ApiControlEntity : ITableEntity
{
    public const string Row = "api";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>No call before this time (set from Retry-After or backoff when any job sees a 429).</summary>
    public DateTimeOffset? NotBeforeUtc { get; set; }

    /// <summary>The request rate learned from 429s (see <c>AdaptiveRate</c>), shared by every instance.</summary>
    public double? RequestRatePerSecond { get; set; }

    public DateTimeOffset? RequestRateChangedAtUtc { get; set; }

    /// <summary>What the pause waits for: <c>out_of_credits</c> (a 402) or <c>invalid_api_key</c> (a 401/403).</summary>
    public string? PauseReason { get; set; }

    /// <summary>What the API answered that started or last extended the pause (status and error code, never text that could hold the key).</summary>
    public string? PauseDetail { get; set; }

    public DateTimeOffset? PauseStartedAtUtc { get; set; }

    /// <summary>While the pause is on (<see cref="PauseEndedAtUtc"/> unset), no call before this time; then one probe.</summary>
    public DateTimeOffset? PauseUntilUtc { get; set; }

    public double? PauseIntervalSeconds { get; set; }

    public DateTimeOffset? PauseEndedAtUtc { get; set; }

    /// <summary>The probe in progress holds this lease; others wait for it.</summary>
    public DateTimeOffset? ProbeLeaseUntilUtc { get; set; }

    public long? BalanceUnits { get; set; }

    public DateTimeOffset? BalanceCheckedAtUtc { get; set; }

    public bool PauseActive => PauseUntilUtc is not null && PauseEndedAtUtc is null;

    /// <summary>The row from an untyped query (the account's rows are read together, in one request).</summary>
    public static ApiControlEntity From(TableEntity row) => new()
    {
        PartitionKey = row.PartitionKey,
        RowKey = row.RowKey,
        Timestamp = row.Timestamp,
        ETag = row.ETag,
        NotBeforeUtc = row.GetDateTimeOffset(nameof(NotBeforeUtc)),
        RequestRatePerSecond = row.GetDouble(nameof(RequestRatePerSecond)),
        RequestRateChangedAtUtc = row.GetDateTimeOffset(nameof(RequestRateChangedAtUtc)),
        PauseReason = row.GetString(nameof(PauseReason)),
        PauseDetail = row.GetString(nameof(PauseDetail)),
        PauseStartedAtUtc = row.GetDateTimeOffset(nameof(PauseStartedAtUtc)),
        PauseUntilUtc = row.GetDateTimeOffset(nameof(PauseUntilUtc)),
        PauseIntervalSeconds = row.GetDouble(nameof(PauseIntervalSeconds)),
        PauseEndedAtUtc = row.GetDateTimeOffset(nameof(PauseEndedAtUtc)),
        ProbeLeaseUntilUtc = row.GetDateTimeOffset(nameof(ProbeLeaseUntilUtc)),
        BalanceUnits = row.GetInt64(nameof(BalanceUnits)),
        BalanceCheckedAtUtc = row.GetDateTimeOffset(nameof(BalanceCheckedAtUtc)),
    };
}
