namespace Backlinks.Queries;

/// <summary>Why and until when a job waits.</summary>
public sealed record JobWaitView(string Reason, DateTimeOffset? NextAttemptAtUtc);
