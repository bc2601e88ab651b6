namespace Backlinks.Queries;

/// <summary>
/// A job as callers see it. <see cref="ServedFromCache"/>: the job took a stored snapshot (<see cref="SnapshotJobId"/>'s)
/// instead of calling the API. <see cref="Retries"/>: how often an operator re-queued it after it failed.
/// </summary>
public sealed record JobView(
    string JobId,
    string Domain,
    string Status,
    bool OnePerDomain,
    bool Force,
    int Attempts,
    DateTimeOffset CreatedAtUtc,
    DateTimeOffset UpdatedAtUtc,
    DateTimeOffset? CompletedAtUtc,
    JobWaitView? Waiting,
    string? LastError,
    JobResultView? Result,
    bool ServedFromCache = false,
    string? SnapshotJobId = null,
    int Retries = 0);
