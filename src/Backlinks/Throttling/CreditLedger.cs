using System.Globalization;
using Backlinks.Storage;
using Microsoft.Extensions.Options;

namespace Backlinks.Throttling;

/// <summary>
/// Credits per UTC day, per API account, shared by every instance. A call reserves its 3 credits before
/// it is made (see <see cref="CallReservations"/>), so concurrent jobs cannot overshoot the daily budget
/// together; a call that is refused gives them back.
/// </summary>
public sealed class CreditLedger(StorageClients storage, AccountState state, IOptions<BudgetOptions> options)
{
    public const int CreditsPerCall = 3;

    public int DailyBudget { get; } = options.Value.DailyCredits;

    public static string DayKey(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static DateTimeOffset NextDay(DateTimeOffset at) => new(at.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);

    /// <summary>True when one more call would pass the budget, given what the day's ledger holds.</summary>
    public bool WouldExceed(CreditLedgerEntity? ledger) =>
        DailyBudget > 0 && (ledger?.Credits ?? 0) + CreditsPerCall > DailyBudget;

    /// <summary>Gives a reservation back: the call was refused (402, 429, 4xx) or failed, so it cost nothing.</summary>
    public async Task ReleaseAsync(string ledgerRow, CancellationToken cancellationToken)
    {
        await OptimisticUpdate.UpdateAsync<CreditLedgerEntity>(storage.ControlTable, state.Partition, ledgerRow, current =>
            current is null ? null : new CreditLedgerEntity
            {
                Credits = Math.Max(0, current.Credits - CreditsPerCall),
                Calls = Math.Max(0, current.Calls - 1),
            }, cancellationToken);
        state.Invalidate();
    }

    /// <summary>Credits the account spent on the UTC day of <paramref name="at"/>, as stored now.</summary>
    public async Task<int> SpentAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        var row = await storage.ControlTable.GetEntityIfExistsAsync<CreditLedgerEntity>(state.Partition, CreditLedgerEntity.RowFor(at), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.Credits : 0;
    }
}
