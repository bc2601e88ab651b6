using Backlinks.Throttling;

namespace Backlinks.Watching;

/// <summary>How many due entries a run may queue with the credits left today: 3 per entry (a job may call the API once).</summary>
public static class WatchBudget
{
    /// <param name="dailyBudget">Budget__DailyCredits; 0 means no limit.</param>
    public static int Allowed(int due, int dailyBudget, int spentToday) =>
        dailyBudget <= 0 ? due : Math.Min(due, Math.Max(0, dailyBudget - spentToday) / CreditLedger.CreditsPerCall);
}
