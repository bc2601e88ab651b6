using Backlinks.Watching;

namespace Backlinks.Queries;

/// <summary>The app as a whole: queues, jobs by state, the pause if any, spend and balance, the account they belong to, the watch list.</summary>
public sealed record AppStatusView(
    int QueueDepth,
    int PoisonDepth,
    IReadOnlyDictionary<string, int> JobsByStatus,
    PauseView? Pause,
    DateTimeOffset? NotBeforeUtc,
    int CreditsSpentToday,
    int? DailyCreditBudget,
    BalanceView? LastKnownBalance,
    AccountView Account,
    WatchListSummary WatchList);
