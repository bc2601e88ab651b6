namespace Backlinks.Links;

/// <summary>Which snapshot wrote something: its fetch time and its job.</summary>
public readonly record struct SnapshotStamp(DateTimeOffset FetchedAtUtc, string JobId)
{
    public static SnapshotStamp Of(StoredSnapshot snapshot) => new(snapshot.FetchedAtUtc.ToUniversalTime(), snapshot.JobId);

    public bool IsAfter(SnapshotStamp other) =>
        StoredSnapshot.Compare(FetchedAtUtc, JobId, other.FetchedAtUtc, other.JobId) > 0;
}

/// <summary>The values of <c>Status</c> in backlinkrows and backlinkrefdomains.</summary>
public static class LinkStatus
{
    public const string Live = "live";
    public const string Lost = "lost";

    public static bool IsValid(string? value) => value is Live or Lost;
}

/// <summary>The values of <c>Change</c> in backlinkchanges.</summary>
public static class LinkChange
{
    public const string New = "new";
    public const string Lost = "lost";

    public static bool IsValid(string? value) => value is New or Lost;
}
