namespace Backlinks.Links;

/// <summary>
/// What applying one snapshot to a domain's link rows writes: the rows that change, the change rows,
/// and the counts. Pure: the same rows and snapshot give the same plan, which is what makes a re-run
/// after a crash end where one clean run would.
/// </summary>
public sealed class LinkPlan
{
    private LinkPlan(IReadOnlyList<LinkRowEntity> rowWrites, IReadOnlyList<LinkChangeEntity> changeWrites,
        IReadOnlyDictionary<string, LinkRowEntity> rowsAfter, int newLinks, int lostLinks)
    {
        RowWrites = rowWrites;
        ChangeWrites = changeWrites;
        RowsAfter = rowsAfter;
        NewLinks = newLinks;
        LostLinks = lostLinks;
    }

    /// <summary>Rows whose stored columns change; unchanged rows are not rewritten.</summary>
    public IReadOnlyList<LinkRowEntity> RowWrites { get; }

    /// <summary>Change rows to write; empty when an earlier run of this snapshot already wrote them all.</summary>
    public IReadOnlyList<LinkChangeEntity> ChangeWrites { get; }

    /// <summary>Every link row of the domain once the plan is written (for the referring-domain rollup).</summary>
    public IReadOnlyDictionary<string, LinkRowEntity> RowsAfter { get; }

    public int NewLinks { get; }

    public int LostLinks { get; }

    /// <summary>
    /// True when an earlier run of this snapshot already wrote some rows. It writes change rows before any
    /// link row, so its change rows are then complete and are the record of what this snapshot changed:
    /// the rows as they are now can no longer tell.
    /// </summary>
    public static bool IsResumed(IEnumerable<LinkRowEntity> existing, SnapshotStamp at) => existing.Any(r => r.WrittenBy(at));

    /// <param name="existing">The domain's link rows, by key, as read before this snapshot.</param>
    /// <param name="recordedChanges">For a resumed snapshot, the change rows it already wrote; otherwise null.</param>
    /// <param name="baseline">The domain's first snapshot: rows, but no change rows.</param>
    /// <param name="sample">A sample adds and refreshes links but never marks one lost.</param>
    public static LinkPlan Compute(string domain, SnapshotStamp at, SnapshotLinks snapshot, IReadOnlyDictionary<string, LinkRowEntity> existing,
        IReadOnlyList<LinkChangeEntity>? recordedChanges, bool baseline, bool sample)
    {
        var rowsAfter = new Dictionary<string, LinkRowEntity>(existing, StringComparer.Ordinal);
        var rowWrites = new List<LinkRowEntity>();
        var changes = new List<LinkChangeEntity>();

        foreach (var link in snapshot.Links.Values)
        {
            var before = existing.GetValueOrDefault(link.Key);
            var after = before is null ? LinkRowEntity.FirstSeen(domain, link, at) : before.SeenIn(link, at);
            if (before is null || !before.IsLive)
            {
                changes.Add(LinkChangeEntity.For(LinkChange.New, after, at));
            }
            Record(before, after);
        }

        if (!sample)
        {
            foreach (var before in existing.Values)
            {
                if (before.IsLive && !snapshot.Links.ContainsKey(before.RowKey))
                {
                    var after = before.LostIn(at);
                    changes.Add(LinkChangeEntity.For(LinkChange.Lost, after, at));
                    Record(before, after);
                }
            }
        }

        if (baseline)
        {
            changes.Clear();
        }
        IReadOnlyList<LinkChangeEntity> changeWrites = changes;
        if (recordedChanges is not null)
        {
            // Resumed: what the first run recorded is the truth; the rows it already wrote hide the rest.
            changes = [.. recordedChanges];
            changeWrites = [];
        }
        return new LinkPlan(rowWrites, changeWrites, rowsAfter,
            changes.Count(c => c.Change == LinkChange.New), changes.Count(c => c.Change == LinkChange.Lost));

        void Record(LinkRowEntity? before, LinkRowEntity after)
        {
            rowsAfter[after.RowKey] = after;
            if (before is null || !before.SameAs(after))
            {
                rowWrites.Add(after);
            }
        }
    }
}
