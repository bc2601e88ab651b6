namespace Backlinks.Queries;

/// <summary>The out-of-credits pause, while it is on.</summary>
public sealed record PauseView(string Reason, DateTimeOffset StartedAtUtc, DateTimeOffset UntilUtc, double IntervalSeconds);
