namespace Backlinks.Watching;

/// <summary>An entry of the watch list as the HTTP API and <c>backlinks watch list --json</c> show it (the table's columns).</summary>
public sealed record WatchEntryView(
    string Domain,
    string Group,
    string Every,
    bool OnePerDomain,
    bool Enabled,
    DateTimeOffset NextDueUtc,
    DateTimeOffset? LastQueuedUtc,
    string? LastJobId,
    DateTimeOffset AddedAtUtc)
{
    public static WatchEntryView From(WatchEntryEntity e) =>
        new(e.Domain, e.Group, e.Every, e.OnePerDomain, e.Enabled, e.NextDueUtc, e.LastQueuedUtc, e.LastJobId, e.AddedAtUtc);
}

/// <summary>The answer to a bulk addition: what was added, edited or already so, and the inputs folded or rejected.</summary>
public sealed record WatchAddResponse(
    IReadOnlyList<WatchEntryView> Added,
    IReadOnlyList<WatchEntryView> Updated,
    IReadOnlyList<WatchEntryView> Unchanged,
    IReadOnlyList<Submissions.SubmissionResponse.DuplicateItem> Duplicates,
    IReadOnlyList<Submissions.SubmissionResponse.RejectedItem> Rejected,
    string? Error = null,
    string? Message = null);
