using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Backlinks.Jobs;
using Backlinks.Links;
using Backlinks.Storage;
using Backlinks.Tests.Infrastructure;
using Backlinks.Tests.Links;
using Backlinks.Throttling;
using Backlinks.Worker;

namespace Backlinks.Tests.Faults;

/// <summary>Who runs the queue: the Functions host (emulated, fake clock) or the local worker (real clock, as <c>backlinks work</c>).</summary>
public enum FaultRunner
{
    FunctionsHost,
    Worker,
}

public sealed record FaultCase(FaultPoint Point, FaultKind Kind, FaultMode Mode, FaultRunner Runner)
{
    public override string ToString() => $"{Point.Name} | {Kind} | {Mode} | {Runner}";
}

/// <param name="Violations">Each invariant the run broke, in words; empty when the run kept them all.</param>
/// <param name="Summary">What happened, for the test output (and docs/storage-faults.md).</param>
public sealed record FaultCaseResult(FaultCase Case, IReadOnlyList<string> Violations, string Summary)
{
    public override string ToString() => Violations.Count == 0
        ? $"ok    {Case}: {Summary}"
        : $"FAIL  {Case}: {Summary}\n        - {string.Join("\n        - ", Violations)}";
}

/// <summary>
/// One domain, two jobs: a first snapshot (links 0–9, a baseline), then a forced second one (links 3–12:
/// 0–2 lost, 10–12 new). A fault is armed on one storage call of one of the jobs; the queue is then run
/// until it is empty, and the end state is checked against what one clean run leaves.
/// </summary>
public static class FaultScenario
{
    /// <summary>
    /// The worker on the real clock, with settings short enough for a test: failed messages come back at once, leased ones
    /// after 15 s (well past a job that waits out the SDK's back-off). An idle poll is three requests; at 50 ms, the worker's
    /// 28 cases made 4,200 requests, most of them waiting out a lease; at 250 ms, 2,750, and the cases take as long.
    /// </summary>
    private static readonly Dictionary<string, string?> WorkerSettings = new()
    {
        ["Queue:PollInterval"] = "00:00:00.250",
        ["Queue:VisibilityTimeout"] = "00:00:00",
        ["Queue:ProcessingLease"] = "00:00:15",
    };

    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(90);

    public static readonly string FirstAnswer = LinkTestData.Answer(HappyPath.Domain, LinkTestData.LinkRows(0, 10));
    public static readonly string SecondAnswer = LinkTestData.Answer(HappyPath.Domain, LinkTestData.LinkRows(3, 10));

    /// <summary>
    /// A send whose every try took effect but whose answers were all lost: the submission cannot tell that the
    /// message went out, so it reports the job as not enqueued, and the job runs anyway (once, stored once).
    /// A known gap, left alone (see docs/storage-faults.md): the state is clean, the report is not.
    /// </summary>
    public static bool RunsThoughReportedNotEnqueued(FaultCase c) =>
        c.Point.Name == "submission: message send" && c.Kind == FaultKind.AnswerLost && c.Mode == FaultMode.UntilSdkGivesUp;

    /// <summary>Paid calls the faulted job may make: one, or two when the raw blob upload itself never landed (nothing was stored to resume from).</summary>
    public static int AllowedCalls(FaultCase c) =>
        c.Point.Name == "raw blob PUT" && c.Mode == FaultMode.UntilSdkGivesUp && c.Kind != FaultKind.AnswerLost ? 2 : 1;

    public static async Task<FaultCaseResult> RunAsync(AzuriteFixture azurite, FaultCase c)
    {
        var worker = c.Runner == FaultRunner.Worker;
        await using var pipeline = await TestPipeline.StartAsync(azurite, worker ? WorkerSettings : null, systemClock: worker);
        var violations = new List<string>();
        var rule = FaultRule.For(pipeline.Storage, c.Point, c.Kind, c.Mode);
        var accepted = new List<string>();
        var notEnqueued = new List<string>();

        async Task RunJobAsync(ScenarioJob job, string answer, int scripted, bool force)
        {
            pipeline.Api.Script(Enumerable.Repeat(SandboxAnswer.Json(200, answer), scripted).ToArray());
            if (c.Point.Job == job)
            {
                pipeline.StorageRequests.InjectWhen(rule.Decide);
            }
            var outcome = await pipeline.SubmitAsync([HappyPath.Domain], force: force);
            accepted.AddRange(outcome.Response?.Accepted.Select(a => a.JobId) ?? []);
            notEnqueued.AddRange(outcome.Response?.NotEnqueued.Select(a => a.JobId) ?? []);
            await DrainAsync(pipeline, worker, violations);
            pipeline.StorageRequests.InjectWhen(null);
        }

        await RunJobAsync(ScenarioJob.First, FirstAnswer, scripted: 1, force: false);
        if (c.Point.Job == ScenarioJob.Second)
        {
            pipeline.Time.Advance(TimeSpan.FromHours(1));
            await RunJobAsync(ScenarioJob.Second, SecondAnswer, scripted: 2, force: true);
        }
        if (rule.Failed == 0)
        {
            violations.Add($"the fault never fired: no request matched {c.Point.Name}");
        }

        var state = await EndState.ReadAsync(pipeline);
        Check(c, state, accepted, notEnqueued, violations);

        var logs = pipeline.Logs.GetSnapshot();
        var queueRetries = logs.Count(l => l.Message.StartsWith("Storage failed while processing a job message", StringComparison.Ordinal));
        if (logs.Any(l => l.Message.StartsWith("Unexpected failure while processing a job message", StringComparison.Ordinal)))
        {
            violations.Add("a storage fault reached the runner as an unexpected failure (a bug), not as a retry outcome");
        }
        var resumed = logs.Any(l => l.Message.Contains("resumed from the answer an earlier attempt stored", StringComparison.Ordinal));
        var unsettled = logs.Count(l => l.Message.StartsWith("Could not settle the message", StringComparison.Ordinal));
        var summary = new StringBuilder()
            .Append($"{rule.Failed} of {rule.Seen} matching requests failed; ")
            .Append(notEnqueued.Count > 0 ? $"submission reported {notEnqueued.Count} job not enqueued{(RunsThoughReportedNotEnqueued(c) ? " (known gap: it ran)" : "")}; " : "")
            .Append(state.WriterLeases.Count > 0 ? "writer lease left until it expires; " : "")
            .Append($"jobs {string.Join(",", state.Jobs.Select(j => j.Status))}; ")
            .Append($"message retried {queueRetries}x; ")
            .Append(unsettled > 0 ? $"unsettled {unsettled}x; " : "")
            .Append(resumed ? "resumed from the stored blob; " : "")
            .Append($"API calls {state.ApiCalls}; credits spent {state.CreditsSpent}, on the ledger {state.LedgerCredits}; ")
            .Append($"history rows {state.History.Count}, change rows {state.Changes.Count}")
            .ToString();
        return new FaultCaseResult(c, violations, summary);
    }

    /// <summary>Runs the queue (and the poison queue) until no message is left, visible or delayed.</summary>
    private static async Task DrainAsync(TestPipeline pipeline, bool worker, List<string> violations)
    {
        var storage = pipeline.Storage;
        var deadline = DateTime.UtcNow + DrainLimit;
        if (worker)
        {
            using var limit = new CancellationTokenSource(DrainLimit);
            var tally = new WorkerTally();
            try
            {
                await pipeline.Get<QueueWorker>().RunAsync(WorkUntil.Empty, tally, limit.Token);
            }
            catch (Exception e)
            {
                // The worker should outlive a storage fault; if it does not, say so, and finish the queue with a fresh run.
                violations.Add($"the worker stopped with {e.GetType().Name}: {Cut(e.Message)}");
                pipeline.StorageRequests.InjectWhen(null);
                await pipeline.Get<QueueWorker>().RunAsync(WorkUntil.Empty, new WorkerTally(), limit.Token);
            }
            if (limit.IsCancellationRequested)
            {
                violations.Add($"the worker did not empty the queue within {DrainLimit.TotalSeconds} s");
            }
            if (tally.StaleMessagesLeft == 0)
            {
                return;
            }
            // The worker stopped with only messages of finished jobs left (one it could not delete, say): they are
            // dropped when they come back, which the host loop below waits for, so the checks see an empty queue.
        }

        var host = new QueueHostEmulator(pipeline);
        while (true)
        {
            try
            {
                await host.DrainAsync();
                await host.DrainPoisonAsync();
            }
            catch (Exception e)
            {
                // The real host fails the invocation on any exception; the emulator only on the retry outcome.
                violations.Add($"the function threw {e.GetType().Name} instead of returning an outcome: {Cut(e.Message)}");
                return;
            }
            if ((await storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0
                && (await storage.PoisonQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                violations.Add($"the queue was not empty after {DrainLimit.TotalSeconds} s");
                return;
            }
            // A message re-sent with a delay becomes visible in Azurite's (real) time.
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    private static string Cut(string text) => text.Length > 160 ? text[..160] + "…" : text;

    private static void Check(FaultCase c, EndState state, List<string> accepted, List<string> notEnqueued, List<string> violations)
    {
        // The jobs that must have run: those accepted (and, in the known gap, the one reported not enqueued).
        List<string> ran = FaultScenario.RunsThoughReportedNotEnqueued(c) ? [.. accepted, .. notEnqueued] : accepted;

        // No job is lost: every job that ran has its row, finished; a job the submission reported as not enqueued has none.
        foreach (var id in ran)
        {
            var row = state.Jobs.FirstOrDefault(j => j.JobId == id);
            if (row is null)
            {
                violations.Add($"accepted job {id} has no row");
            }
            else if (row.Status != JobStatus.Succeeded)
            {
                violations.Add($"job {id} ended {row.Status} ({row.LastError})");
            }
        }
        foreach (var id in notEnqueued.Except(ran))
        {
            if (state.Jobs.Any(j => j.JobId == id))
            {
                violations.Add($"job {id} was reported not enqueued, yet it has a row");
            }
        }
        foreach (var extra in state.Jobs.Where(j => !ran.Contains(j.JobId) && !notEnqueued.Contains(j.JobId)))
        {
            violations.Add($"job {extra.JobId} that no submission returned has a row ({extra.Status})");
        }

        // The job rows and the queue agree: nothing is left queued, and nothing is in poison.
        if (state.QueuedMessages != 0 || state.PoisonMessages != 0)
        {
            violations.Add($"messages left: {state.QueuedMessages} queued, {state.PoisonMessages} in poison");
        }
        foreach (var open in state.Jobs.Where(j => !j.IsTerminal()))
        {
            violations.Add($"job {open.JobId} is {open.Status} with no message left to run it");
        }

        // One history row per snapshot; the change rows of one snapshot, each once.
        var snapshots = ran.Count;
        if (state.History.Count != snapshots || !state.History.Select(h => h.JobId).Order().SequenceEqual(ran.Order()))
        {
            violations.Add($"history rows for jobs [{string.Join(", ", state.History.Select(h => h.JobId))}], expected one for each of [{string.Join(", ", ran)}]");
        }
        if (snapshots == 2)
        {
            var second = state.History.FirstOrDefault(h => h.JobId == ran[1]);
            var ofSecond = state.Changes.Count(ch => ch.JobId == ran[1] && ch.DetectedAtUtc == second?.FetchedAtUtc);
            if (state.Changes.Count != 6 || ofSecond != 6 || state.Changes.Count(ch => ch.Change == "new") != 3)
            {
                violations.Add($"{state.Changes.Count} change rows ({ofSecond} of the second snapshot as stored), expected 3 new and 3 lost, once each");
            }
            if (second is not null && (second.NewLinks != 3 || second.LostLinks != 3))
            {
                violations.Add($"the second history row counts {second.NewLinks} new and {second.LostLinks} lost links, expected 3 and 3");
            }
            if (state.LinkRows.Count != 13 || state.LinkRows.Count(r => r.Status == "lost") != 3)
            {
                violations.Add($"{state.LinkRows.Count} link rows ({state.LinkRows.Count(r => r.Status == "lost")} lost), expected 13 (3 lost)");
            }
        }
        else
        {
            if (state.Changes.Count != 0)
            {
                violations.Add($"{state.Changes.Count} change rows after a baseline snapshot");
            }
            if (state.LinkRows.Count != 10 || state.LinkRows.Any(r => r.Status != "live"))
            {
                violations.Add($"{state.LinkRows.Count} link rows, expected 10 live");
            }
        }
        if (state.Latest?.JobId != ran.LastOrDefault())
        {
            violations.Add($"the latest row is of job {state.Latest?.JobId ?? "(none)"}, expected {ran.LastOrDefault()}");
        }

        // No paid answer thrown away: one call per job (two when the blob upload never landed), every answer stored byte for byte.
        var expectedCalls = snapshots + (snapshots == 2 || c.Point.Job == ScenarioJob.First ? FaultScenario.AllowedCalls(c) - 1 : 0);
        if (state.ApiCalls != expectedCalls)
        {
            violations.Add($"{state.ApiCalls} API calls, expected {expectedCalls}");
        }
        if (state.Blobs.Count != snapshots)
        {
            violations.Add($"{state.Blobs.Count} raw blobs, expected {snapshots}");
        }
        var lastAnswer = snapshots == 2 ? SecondAnswer : FirstAnswer;
        if (state.Blobs.LastOrDefault() is { } last && last.Content != lastAnswer)
        {
            violations.Add($"the raw blob {last.Path} is not the API's answer");
        }

        // No credit counted twice: the ledger says what the API charged.
        if (state.LedgerCredits != state.CreditsSpent)
        {
            violations.Add($"the ledger counts {state.LedgerCredits} credits, the API charged {state.CreditsSpent}");
        }

        // The domain's writer lease is given back; or, when the job finished from its stored snapshot after the
        // release failed, left naming that applied snapshot until it expires (the next writer finds nothing to finish).
        foreach (var lease in state.WriterLeases.Where(l => !state.History.Any(h => h.RawBlobPath == l.RawBlobPath)))
        {
            violations.Add($"a writer lease of job {lease.OwnerJobId} is left, naming a snapshot that was not applied ({lease.RawBlobPath})");
        }
    }
}

/// <summary>What the storage account holds for the scenario's domain after the run.</summary>
public sealed record EndState(
    IReadOnlyList<JobEntity> Jobs,
    IReadOnlyList<MetricsSnapshotEntity> History,
    MetricsSnapshotEntity? Latest,
    IReadOnlyList<LinkChangeEntity> Changes,
    IReadOnlyList<LinkRowEntity> LinkRows,
    IReadOnlyList<(string Path, string Content)> Blobs,
    IReadOnlyList<DomainWriterEntity> WriterLeases,
    int QueuedMessages,
    int PoisonMessages,
    int ApiCalls,
    long CreditsSpent,
    int LedgerCredits)
{
    public static async Task<EndState> ReadAsync(TestPipeline pipeline)
    {
        var s = pipeline.Storage;
        var blobs = new List<(string, string)>();
        await foreach (var blob in s.RawContainer.GetBlobsAsync(BlobTraits.None, BlobStates.None, HappyPath.Domain + "/", CancellationToken.None))
        {
            var content = (await s.RawContainer.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToString();
            blobs.Add((blob.Name, content));
        }
        var metrics = pipeline.Get<MetricsStore>();
        return new EndState(
            (await LinkTestData.AllAsync<JobEntity>(s.JobsTable)).OrderBy(j => j.JobId, StringComparer.Ordinal).ToList(),
            (await metrics.GetHistoryAsync(HappyPath.Domain, CancellationToken.None)).OrderBy(h => h.FetchedAtUtc).ToList(),
            await metrics.GetLatestAsync(HappyPath.Domain, CancellationToken.None),
            await LinkTestData.AllAsync<LinkChangeEntity>(s.LinkChangesTable),
            await LinkTestData.AllAsync<LinkRowEntity>(s.LinkRowsTable),
            [.. blobs.OrderBy(b => b.Item1, StringComparer.Ordinal)],
            [.. s.ControlTable.Query<DomainWriterEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {DomainWriterEntity.Partition}"))],
            (await s.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount,
            (await s.PoisonQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount,
            pipeline.Api.Calls.Count(d => d == HappyPath.Domain),
            pipeline.Api.CreditsSpent,
            await pipeline.Get<CreditLedger>().SpentAsync(pipeline.Get<TimeProvider>().GetUtcNow(), CancellationToken.None));
    }
}
