using Backlinks.DomDetailer;

namespace Backlinks.Links;

/// <summary>
/// One stored API answer and what its raw blob's metadata says about it: everything needed to apply it
/// to the derived tables, whether it was just fetched, is replayed, or is resumed after a crash.
/// </summary>
public sealed record StoredSnapshot(
    string Domain,
    string JobId,
    DateTimeOffset FetchedAtUtc,
    bool OnePerDomain,
    string RawBlobPath,
    BacklinksResponse Response)
{
    /// <summary>Snapshots of one domain apply in this order: fetch time, then job id for the (unlikely) tie.</summary>
    public static int Compare(DateTimeOffset fetchedAtA, string jobIdA, DateTimeOffset fetchedAtB, string jobIdB)
    {
        var byTime = fetchedAtA.UtcTicks.CompareTo(fetchedAtB.UtcTicks);
        return byTime != 0 ? byTime : string.CompareOrdinal(jobIdA, jobIdB);
    }
}
