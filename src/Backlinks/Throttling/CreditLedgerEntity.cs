using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace Backlinks.Throttling;

/// <summary>Credits reserved and spent by the account on one UTC day (RowKey <c>ledger-yyyyMMdd</c>).</summary>
public sealed class CreditLedgerEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public int Credits { get; set; }

    public int Calls { get; set; }

    public static string RowFor(DateTimeOffset at) => "ledger-" + at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
}
