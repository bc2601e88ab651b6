using Azure;
using Azure.Data.Tables;

namespace Backlinks.Throttling;

/// <summary>
/// The one row of app-wide API state in <c>backlinkcontrol</c> (PartitionKey <c>control</c>, RowKey <c>api</c>):
/// the out-of-credits pause and the "not before" time after a 429. Shared by every instance.
/// </summary>
public sealed class ApiControlEntity : ITableEntity
{
    public const string Partition = "control";
    public const string Row = "api";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>No call before this time (set from Retry-After or backoff when any job sees a 429).</summary>
    public DateTimeOffset? NotBeforeUtc { get; set; }

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
}

/// <summary>Credits reserved and spent on one UTC day (PartitionKey <c>ledger</c>, RowKey <c>yyyyMMdd</c>).</summary>
public sealed class CreditLedgerEntity : ITableEntity
{
    public const string Partition = "ledger";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public int Credits { get; set; }

    public int Calls { get; set; }
}

/// <summary>The job calling the API for one (domain, onePerDomain) right now (PartitionKey <c>inflight</c>).</summary>
public sealed class SharedCallEntity : ITableEntity
{
    public const string Partition = "inflight";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string LeaderJobId { get; set; } = "";

    /// <summary>A leader that crashed does not block the pair for longer than this.</summary>
    public DateTimeOffset ExpiresAtUtc { get; set; }
}
