namespace Backlinks.Watching;

/// <summary>The watch list in <c>GET /api/status</c> and <c>backlinks status</c>.</summary>
/// <param name="Watched">Enabled entries.</param>
/// <param name="Disabled">Entries switched off.</param>
/// <param name="DueNow">Enabled entries due now (the next run queues them, budget permitting).</param>
/// <param name="HeldBackByBudget">Of those, the ones the credits left today do not cover.</param>
/// <param name="NextDueUtc">When the next entry that is not due yet becomes due; null when none is waiting.</param>
public sealed record WatchListSummary(int Watched, int Disabled, int DueNow, int HeldBackByBudget, DateTimeOffset? NextDueUtc)
{
    public static WatchListSummary From(IReadOnlyList<WatchEntryEntity> entries, DateTimeOffset now, int dailyBudget, int spentToday)
    {
        var enabled = entries.Where(e => e.Enabled).ToList();
        var due = enabled.Count(e => e.IsDue(now));
        var waiting = enabled.Where(e => !e.IsDue(now)).Select(e => (DateTimeOffset?)e.NextDueUtc).Min();
        return new WatchListSummary(enabled.Count, entries.Count - enabled.Count, due,
            due - WatchBudget.Allowed(due, dailyBudget, spentToday), waiting);
    }
}
