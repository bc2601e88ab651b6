using Azure;
using Azure.Data.Tables;

namespace Backlinks.Throttling;

/// <summary>
/// The last job that called the API for one (domain, onePerDomain) (RowKey <c>call-{domain}|{0|1}</c>).
/// A claim is left in place when its call succeeds: the leader's snapshot, newer than the claim, says
/// that it is done, which saves a delete per job.
/// </summary>
public sealed class CallClaimEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string LeaderJobId { get; set; } = "";

    public DateTimeOffset ClaimedAtUtc { get; set; }

    /// <summary>A leader that crashed does not block the pair for longer than this.</summary>
    public DateTimeOffset ExpiresAtUtc { get; set; }

    /// <summary>New for each reservation transaction: reading it back tells whether a transaction whose answer was lost landed.</summary>
    public string? ReservationId { get; set; }

    /// <summary>
    /// The queue message whose delivery made the claim (null when the job ran without one, as <c>lookup</c> runs it).
    /// A redelivery of that message takes the claim over, as it resumes a dead attempt; another copy of the job's
    /// message (a send the SDK repeated) does not, while the claim lasts.
    /// </summary>
    public string? MessageId { get; set; }

    public static string RowFor(string domain, bool onePerDomain) => $"call-{domain}|{(onePerDomain ? 1 : 0)}";
}
