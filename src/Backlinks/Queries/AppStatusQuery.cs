using Azure.Data.Tables;
using Backlinks.Jobs;
using Backlinks.Storage;
using Backlinks.DomDetailer;
using Backlinks.Throttling;
using Backlinks.Watching;
using Microsoft.Extensions.Options;

namespace Backlinks.Queries;

/// <summary>
/// Read side: the app as a whole, for <c>GET /api/status</c> and <c>backlinks status</c>. It needs no
/// usable API settings: without them it shows the queues, jobs and watch list, and says why there is no account.
/// </summary>
public sealed class AppStatusQuery(
    StorageClients storage, AccountState state, ApiAccount account, CreditLedger ledger, WatchListStore watchList,
    IOptions<DomDetailerOptions> api, TimeProvider time)
{
    public async Task<AppStatusView> GetAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var queue = storage.JobsQueue.GetPropertiesAsync(cancellationToken);
        var poison = storage.PoisonQueue.GetPropertiesAsync(cancellationToken);
        var accountView = Account();
        var control = accountView.Id is null ? Task.FromResult<ApiControlEntity?>(null) : state.ReadControlAsync(cancellationToken);
        var spent = accountView.Id is null ? Task.FromResult(0) : ledger.SpentAsync(now, cancellationToken);
        // One query of the whole watch list: it is small (one row per watched domain).
        var watched = watchList.ListAsync(null, cancellationToken);

        // Reads only the Status column; a full scan, so its cost grows with the jobs kept.
        var byStatus = new SortedDictionary<string, int>(JobStatus.All.ToDictionary(s => s, _ => 0), StringComparer.Ordinal);
        await foreach (var row in storage.JobsTable.QueryAsync<TableEntity>(select: ["Status"], cancellationToken: cancellationToken))
        {
            var status = row.GetString("Status") ?? "unknown";
            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
        }

        var api = await control;
        var pause = api is { PauseActive: true }
            ? new PauseView(api.PauseReason ?? WaitReason.OutOfCredits, api.PauseStartedAtUtc!.Value, api.PauseUntilUtc!.Value, api.PauseIntervalSeconds ?? 0)
            : null;
        var balance = api?.BalanceUnits is { } units && api.BalanceCheckedAtUtc is { } checkedAt ? new BalanceView(units, checkedAt) : null;
        return new AppStatusView(
            (await queue).Value.ApproximateMessagesCount,
            (await poison).Value.ApproximateMessagesCount,
            byStatus,
            pause,
            api?.NotBeforeUtc > now ? api.NotBeforeUtc : null,
            await spent,
            ledger.DailyBudget > 0 ? ledger.DailyBudget : null,
            balance,
            accountView,
            WatchListSummary.From(await watched, now, ledger.DailyBudget, await spent));
    }

    private AccountView Account()
    {
        try
        {
            _ = api.Value;
            return new AccountView(account.Host, account.Id);
        }
        catch (OptionsValidationException invalid)
        {
            return new AccountView(null, null, string.Join(" ", invalid.Failures));
        }
    }
}
