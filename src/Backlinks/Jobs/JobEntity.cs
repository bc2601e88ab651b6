using Azure;
using Azure.Data.Tables;

namespace Backlinks.Jobs;

/// <summary>
/// A row of <c>backlinkjobs</c>: PartitionKey = creation day (yyyyMMdd), RowKey = job id. Its state
/// changes only through the <c>Mark…</c> transitions below, each of which keeps the row consistent
/// (a final state has no wait left, a wait has a reason and a time, and so on).
/// </summary>
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

    /// <summary>How many times an operator sent the failed job back to the queue (<c>backlinks retry</c>).</summary>
    public int Retries { get; set; }

    /// <summary>When the job was last retried: its waits are measured from here, not from its creation.</summary>
    public DateTimeOffset? RetriedAtUtc { get; set; }

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

    public bool IsTerminal() => JobStatus.IsTerminal(Status);

    public static JobEntity NewQueued(JobId id, string domain, bool onePerDomain, bool force, DateTimeOffset createdAt) => new()
    {
        PartitionKey = id.PartitionKey,
        RowKey = id.ToString(),
        JobId = id.ToString(),
        Domain = domain,
        OnePerDomain = onePerDomain,
        Force = force,
        Status = JobStatus.Queued,
        CreatedAtUtc = createdAt,
        UpdatedAtUtc = createdAt,
    };

    /// <summary>The row a message describes: how a job whose row was never written (or was lost) is rebuilt.</summary>
    public static JobEntity FromMessage(JobMessage message)
    {
        var job = NewQueued(message.Id, message.Domain!, message.OnePerDomain, message.Force, message.CreatedAtUtc!.Value);
        job.MessageSeq = message.Seq;
        job.MessageToken = message.Token;
        return job;
    }

    /// <summary>An API call is about to be made for this job.</summary>
    public void MarkRunning(DateTimeOffset now)
    {
        EnsureOpen();
        Status = JobStatus.Running;
        Attempts++;
        StartedAtUtc ??= now;
        WaitReason = null;
        NextAttemptAtUtc = null;
        UpdatedAtUtc = now;
    }

    /// <summary>
    /// The job waits until <paramref name="nextAttemptAtUtc"/>. Returns the message that carries it from
    /// now on (a new sequence number and token), which the caller sends before writing this row.
    /// </summary>
    public JobMessage MarkWaiting(string reason, DateTimeOffset nextAttemptAtUtc, string explanation, DateTimeOffset now)
    {
        EnsureOpen();
        Status = JobStatus.Waiting;
        WaitReason = reason;
        NextAttemptAtUtc = nextAttemptAtUtc;
        LastError = explanation;
        return NextMessage(now);
    }

    /// <summary>A transient failure: the job stays queued and its message is retried by the queue.</summary>
    public void MarkRequeued(string reason, DateTimeOffset now)
    {
        EnsureOpen();
        Status = JobStatus.Queued;
        LastError = reason;
        WaitReason = null;
        NextAttemptAtUtc = null;
        UpdatedAtUtc = now;
    }

    /// <summary>The job has its snapshot: fetched by itself, or served from another job's.</summary>
    public void MarkSucceeded(SnapshotReference snapshot, DateTimeOffset now)
    {
        EnsureOpen();
        Complete(JobStatus.Succeeded, lastError: null, now);
        ServedFromCache = snapshot.JobId != JobId;
        SnapshotJobId = snapshot.JobId;
        RawBlobPath = snapshot.RawBlobPath;
        FetchedAtUtc = snapshot.FetchedAtUtc;
        BacklinkRows = snapshot.BacklinkRows;
    }

    public void MarkFailed(string reason, DateTimeOffset now)
    {
        EnsureOpen();
        Complete(JobStatus.Failed, reason, now);
    }

    /// <summary>True while nothing has started on the job: it may still be cancelled.</summary>
    public bool IsCancellable() => Status is JobStatus.Queued or JobStatus.Waiting;

    /// <summary>An operator stopped the job before it ran: final, like success and failure.</summary>
    public void MarkCancelled(DateTimeOffset now)
    {
        if (!IsCancellable())
        {
            throw new InvalidOperationException($"Job {JobId} is {Status}: only a queued or waiting job can be cancelled.");
        }
        Complete(JobStatus.Cancelled, "cancelled by an operator", now);
    }

    /// <summary>
    /// The one way out of a final state: an operator sends a failed job back to the queue as a new attempt
    /// of the same job (its force flag unchanged). Returns the message that carries it from now on (a new
    /// sequence number and token), which the caller sends before writing this row.
    /// </summary>
    public JobMessage MarkRetried(DateTimeOffset now)
    {
        if (Status != JobStatus.Failed)
        {
            throw new InvalidOperationException($"Job {JobId} is {Status}: only a failed job can be retried.");
        }
        Status = JobStatus.Queued;
        Retries++;
        RetriedAtUtc = now;
        WaitReason = null;
        NextAttemptAtUtc = null;
        CompletedAtUtc = null;
        return NextMessage(now);
    }

    /// <summary>
    /// An operator ended the wait of a waiting job (a resume after a top-up or a new key): it is queued again now.
    /// Returns the message that carries it from now on (a new sequence number and token), which the caller sends
    /// before writing this row; the delayed message it waited with is stale from then on and is dropped when it comes.
    /// </summary>
    public JobMessage MarkReleased(DateTimeOffset now)
    {
        if (Status != JobStatus.Waiting)
        {
            throw new InvalidOperationException($"Job {JobId} is {Status}: only a waiting job can be released.");
        }
        Status = JobStatus.Queued;
        WaitReason = null;
        NextAttemptAtUtc = null;
        return NextMessage(now);
    }

    /// <summary>A new sequence number and token: the message sent now carries the job, and every earlier one is stale.</summary>
    private JobMessage NextMessage(DateTimeOffset now)
    {
        MessageSeq++;
        MessageToken = Guid.NewGuid().ToString("N");
        UpdatedAtUtc = now;
        return JobMessage.For(this);
    }

    private void Complete(string status, string? lastError, DateTimeOffset now)
    {
        Status = status;
        LastError = lastError;
        WaitReason = null;
        NextAttemptAtUtc = null;
        CompletedAtUtc = now;
        UpdatedAtUtc = now;
    }

    // A finished job never changes again: a transition out of a final state is a bug, not a retry.
    private void EnsureOpen()
    {
        if (IsTerminal())
        {
            throw new InvalidOperationException($"Job {JobId} is already {Status}.");
        }
    }
}

/// <summary>The stored snapshot a job succeeded with.</summary>
public sealed record SnapshotReference(string JobId, string RawBlobPath, DateTimeOffset FetchedAtUtc, int BacklinkRows);
