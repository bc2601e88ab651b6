using System.Globalization;
using Backlinks.Storage;
using Microsoft.Extensions.Options;

namespace Backlinks.Throttling;

/// <summary>
/// Credits per UTC day, shared by every instance. A call reserves its 3 credits before it is made,
/// so concurrent jobs cannot overshoot the daily budget together; a call that is refused gives them back.
/// </summary>
public sealed class CreditLedger(StorageClients storage, IOptions<BudgetOptions> options)
{
    public const int CreditsPerCall = 3;

    private readonly int _dailyBudget = options.Value.DailyCredits;

    public int DailyBudget => _dailyBudget;

    public static string DayKey(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static DateTimeOffset NextDay(DateTimeOffset at) => new(at.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);

    /// <summary>Reserves one call's credits on <paramref name="day"/>'s ledger; false when that would pass the budget.</summary>
    public async Task<bool> TryReserveAsync(string day, CancellationToken cancellationToken) =>
        await OptimisticUpdate.UpdateAsync<CreditLedgerEntity>(storage.ControlTable, CreditLedgerEntity.Partition, day, current =>
        {
            var credits = current?.Credits ?? 0;
            if (_dailyBudget > 0 && credits + CreditsPerCall > _dailyBudget)
            {
                return null;
            }
            return new CreditLedgerEntity { Credits = credits + CreditsPerCall, Calls = (current?.Calls ?? 0) + 1 };
        }, cancellationToken) is not null;

    /// <summary>Gives a reservation back: the call was refused (402, 429, 4xx) or failed, so it cost nothing.</summary>
    public Task ReleaseAsync(string day, CancellationToken cancellationToken) =>
        OptimisticUpdate.UpdateAsync<CreditLedgerEntity>(storage.ControlTable, CreditLedgerEntity.Partition, day, current =>
            current is null ? null : new CreditLedgerEntity
            {
                Credits = Math.Max(0, current.Credits - CreditsPerCall),
                Calls = Math.Max(0, current.Calls - 1),
            }, cancellationToken);

    public async Task<int> SpentAsync(string day, CancellationToken cancellationToken)
    {
        var row = await storage.ControlTable.GetEntityIfExistsAsync<CreditLedgerEntity>(CreditLedgerEntity.Partition, day, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.Credits : 0;
    }
}
