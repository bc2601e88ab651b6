using Azure;
using Azure.Data.Tables;

namespace Backlinks.Jobs;

/// <summary>The job states a caller can see.</summary>
public static class JobStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Waiting = "waiting";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    public static bool IsTerminal(string status) => status is Succeeded or Failed;
}

/// <summary>Why a job waits for its next attempt.</summary>
public static class WaitReason
{
    public const string RateLimited = "rate_limited";
    public const string OutOfCredits = "out_of_credits";

    /// <summary>Another job saw 402: the whole app is paused until credits are back.</summary>
    public const string SharedPause = "shared_pause";

    /// <summary>Another job saw 429: the whole app waits until the "not before" time.</summary>
    public const string SharedRateLimit = "shared_rate_limit";

    /// <summary>Another job is calling for the same (domain, onePerDomain); this one takes its result.</summary>
    public const string SharedCall = "shared_call";

    /// <summary>The daily credit budget is spent; the job waits for the next UTC day.</summary>
    public const string Budget = "budget";
}

/// <summary>A row of <c>backlinkjobs</c>: PartitionKey = creation day (yyyyMMdd), RowKey = job id.</summary>
public sealed class JobEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string JobId { get; set; } = "";
    public string Domain { get; set; } = "";
    public bool OnePerDomain { get; set; }
    public bool Force { get; set; }
    public string Status { get; set; } = JobStatus.Queued;
    public int Attempts { get; set; }
    public int RateLimitedCount { get; set; }
    public int OutOfCreditsCount { get; set; }
    public string? WaitReason { get; set; }
    public DateTimeOffset? NextAttemptAtUtc { get; set; }
    public string? LastError { get; set; }

    /// <summary>The token of the one queue message that may still run this job; others are stale.</summary>
    public string? MessageToken { get; set; }

    /// <summary>How many times the job was re-sent; the message with this sequence number and token is the current one.</summary>
    public int MessageSeq { get; set; }

    public DateTimeOffset CreatedAtUtc { get; set; }
    public DateTimeOffset UpdatedAtUtc { get; set; }
    public DateTimeOffset? StartedAtUtc { get; set; }
    public DateTimeOffset? CompletedAtUtc { get; set; }
    public DateTimeOffset? FetchedAtUtc { get; set; }
    public string? RawBlobPath { get; set; }

    /// <summary>True when the job was served a stored snapshot instead of calling the API.</summary>
    public bool ServedFromCache { get; set; }

    /// <summary>The job whose snapshot this job points at (itself, unless served from cache).</summary>
    public string? SnapshotJobId { get; set; }
    public int? BacklinkRows { get; set; }

    /// <summary>The typed id (a method, not a property, so that it is not written as a column).</summary>
    public JobId GetJobId() => new(Guid.Parse(JobId));

    public static JobEntity NewQueued(JobId id, string domain, bool onePerDomain, bool force, DateTimeOffset now) => new()
    {
        PartitionKey = id.PartitionKey,
        RowKey = id.ToString(),
        JobId = id.ToString(),
        Domain = domain,
        OnePerDomain = onePerDomain,
        Force = force,
        Status = JobStatus.Queued,
        CreatedAtUtc = now,
        UpdatedAtUtc = now,
    };
}
