using Azure.Data.Tables;
using Backlinks.Jobs;
using Backlinks.Storage;

namespace Backlinks.Throttling;

/// <summary>The app as a whole: queues, jobs by state, the pause if any, spend and balance.</summary>
public sealed record AppStatusView(
    int QueueDepth,
    int PoisonDepth,
    IReadOnlyDictionary<string, int> JobsByStatus,
    PauseView? Pause,
    DateTimeOffset? NotBeforeUtc,
    int CreditsSpentToday,
    int? DailyCreditBudget,
    BalanceView? LastKnownBalance);

public sealed record PauseView(string Reason, DateTimeOffset StartedAtUtc, DateTimeOffset UntilUtc, double IntervalSeconds);

public sealed record BalanceView(long UnitsLeft, DateTimeOffset CheckedAtUtc);

public sealed class AppStatusQuery(StorageClients storage, ApiGate gate, CreditLedger ledger, TimeProvider time)
{
    public async Task<AppStatusView> GetAsync(CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var now = time.GetUtcNow();
        var queue = storage.JobsQueue.GetPropertiesAsync(cancellationToken);
        var poison = storage.PoisonQueue.GetPropertiesAsync(cancellationToken);
        var control = gate.ReadAsync(cancellationToken);
        var spent = ledger.SpentAsync(CreditLedger.DayKey(now), cancellationToken);

        // Reads only the Status column; a full scan, so its cost grows with the jobs kept.
        var byStatus = new SortedDictionary<string, int>(StringComparer.Ordinal)
        {
            [JobStatus.Queued] = 0,
            [JobStatus.Running] = 0,
            [JobStatus.Waiting] = 0,
            [JobStatus.Succeeded] = 0,
            [JobStatus.Failed] = 0,
        };
        await foreach (var row in storage.JobsTable.QueryAsync<TableEntity>(select: ["Status"], cancellationToken: cancellationToken))
        {
            var status = row.GetString("Status") ?? "unknown";
            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
        }

        var api = await control;
        var pause = api is { PauseActive: true }
            ? new PauseView(WaitReason.OutOfCredits, api.PauseStartedAtUtc!.Value, api.PauseUntilUtc!.Value, api.PauseIntervalSeconds ?? 0)
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
            balance);
    }
}
