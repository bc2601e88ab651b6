using Backlinks.Storage;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Faults;

/// <summary>Which job of the scenario a failure point is armed for.</summary>
public enum ScenarioJob
{
    /// <summary>The domain's first job: a baseline snapshot (no change rows), the first call of the day, the latest row inserted.</summary>
    First,

    /// <summary>A forced second job with a different answer: 3 links lost, 3 new (change rows), the pair's claim taken over, the latest row replaced.</summary>
    Second,
}

/// <summary>
/// One storage call of a job's happy path, as the fault policy sees it. <see cref="Skip"/> matching requests
/// pass before the fault starts (to reach a later call of the same shape).
/// </summary>
public sealed record FaultPoint(string Name, ScenarioJob Job, Func<StorageClients, StorageRequest, bool> Matches, int Skip = 0, bool WorkerOnly = false)
{
    public override string ToString() => Name;
}

/// <summary>
/// The storage calls of one job, from its submission to its message's deletion, in the order they are made
/// (see <c>StorageRoundTripTests</c>). A second job of the same domain also reads and takes over the pair's
/// claim, writes change rows and replaces the latest row.
/// </summary>
public static class HappyPath
{
    public const string Domain = "example.com";

    public static readonly IReadOnlyList<FaultPoint> Points =
    [
        new("submission: message send", ScenarioJob.Second, (s, r) => r.Method == "POST" && r.Resource == s.JobsQueue.Name),
        new("submission: job row batch", ScenarioJob.Second, (s, r) => r.Resource == $"$batch:{s.JobsTable.Name}"),
        new("worker: message receive", ScenarioJob.Second, (s, r) => r.Method == "GET" && r.Resource == s.JobsQueue.Name && r.Path.Contains("/messages", StringComparison.Ordinal),
            WorkerOnly: true),
        new("job row GET", ScenarioJob.Second, (s, r) => r.Method == "GET" && r.Resource == s.JobsTable.Name),
        new("latest metrics GET", ScenarioJob.Second, (s, r) => r.Method == "GET" && r.Resource == s.LatestMetricsTable.Name),
        new("account state GET", ScenarioJob.Second, (s, r) => r.Method == "GET" && r.Resource == s.ControlTable.Name && r.Path.Contains("$filter=", StringComparison.Ordinal)),
        new("claim + ledger $batch, first call of the day", ScenarioJob.First, (s, r) => r.Resource == $"$batch:{s.ControlTable.Name}"),
        new("claim GET (the pair's last claim)", ScenarioJob.Second, (s, r) => r.Method == "GET" && r.Resource == s.ControlTable.Name && r.Path.Contains("RowKey='call-", StringComparison.Ordinal)),
        // The second job's first try conflicts with the first job's claim (an expected 409); the fault hits the takeover.
        new("claim + ledger $batch, taking over the claim", ScenarioJob.Second, (s, r) => r.Resource == $"$batch:{s.ControlTable.Name}", Skip: 1),
        new("raw blob PUT", ScenarioJob.Second, (s, r) => r.Method == "PUT" && r.Resource == s.RawContainer.Name),
        new("writer lease insert", ScenarioJob.Second, (s, r) => r.Method == "POST" && r.Resource == s.ControlTable.Name),
        new("metrics history GET", ScenarioJob.Second, (s, r) => r.Method == "GET" && r.Resource == s.MetricsTable.Name),
        new("link rows GET", ScenarioJob.Second, (s, r) => r.Method == "GET" && r.Resource == s.LinkRowsTable.Name),
        new("referring domains GET", ScenarioJob.Second, (s, r) => r.Method == "GET" && r.Resource == s.RefDomainsTable.Name),
        new("change rows $batch", ScenarioJob.Second, (s, r) => r.Resource == $"$batch:{s.LinkChangesTable.Name}"),
        new("link rows $batch", ScenarioJob.Second, (s, r) => r.Resource == $"$batch:{s.LinkRowsTable.Name}"),
        new("referring domains $batch", ScenarioJob.Second, (s, r) => r.Resource == $"$batch:{s.RefDomainsTable.Name}"),
        new("metrics history PUT", ScenarioJob.Second, (s, r) => r.Method == "PUT" && r.Resource == s.MetricsTable.Name),
        new("latest row insert (POST)", ScenarioJob.First, (s, r) => r.Method == "POST" && r.Resource == s.LatestMetricsTable.Name),
        new("latest row replace (PUT)", ScenarioJob.Second, (s, r) => r.Method == "PUT" && r.Resource == s.LatestMetricsTable.Name),
        new("writer lease DELETE", ScenarioJob.Second, (s, r) => r.Method == "DELETE" && r.Resource == s.ControlTable.Name),
        new("job row PUT", ScenarioJob.Second, (s, r) => r.Method == "PUT" && r.Resource == s.JobsTable.Name),
        new("worker: message DELETE", ScenarioJob.Second, (s, r) => r.Method == "DELETE" && r.Resource == s.JobsQueue.Name, WorkerOnly: true),
    ];

    public static FaultPoint Named(string name) => Points.Single(p => p.Name == name);
}
