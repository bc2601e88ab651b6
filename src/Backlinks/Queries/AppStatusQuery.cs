using Azure.Data.Tables;
using Backlinks.Jobs;
using Backlinks.Storage;
using Backlinks.Throttling;
using Backlinks.Watching;

namespace Backlinks.Queries;

/// <summary>Read side: the app as a whole, for <c>GET /api/status</c> and <c>backlinks status</c>.</summary>
public sealed class AppStatusQuery(StorageClients storage, ApiGate gate, CreditLedger ledger, WatchListStore watchList, TimeProvider time)
{
    public async Task<AppStatusView> GetAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var queue = storage.JobsQueue.GetPropertiesAsync(cancellationToken);
        var poison = storage.PoisonQueue.GetPropertiesAsync(cancellationToken);
        var control = gate.ReadAsync(cancellationToken);
        var spent = ledger.SpentAsync(now, cancellationToken);
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
            WatchListSummary.From(await watched, now, ledger.DailyBudget, await spent));
    }
}
