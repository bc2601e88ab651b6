namespace Backlinks.Queries;

/// <summary>A job as callers see it.</summary>
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
    JobResultView? Result);
