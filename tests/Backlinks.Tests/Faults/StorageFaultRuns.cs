using Backlinks.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Backlinks.Tests.Faults;

/// <summary>
/// The Functions host's share of the runs (see <see cref="StorageFaultRuns"/>): the faults that behave differently, at
/// every call of the happy path. Each share of the runs is its own class, so that all four run side by side from the start.
/// </summary>
[Trait("Category", "StorageFaults")]
public sealed class StorageFaultsAtEveryCallUnderTheFunctionsHostTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    /// <summary>
    /// One that never lands (a timeout; 500, 503 and a reset land no more than it does and are retried the same way),
    /// one that lands with its answer lost, and an error status (503). All cases run side by side in one batch.
    /// </summary>
    [Fact]
    public Task A_timeout_a_lost_answer_or_a_503_at_any_call_of_the_happy_path_ends_with_each_job_done_once() =>
        StorageFaultRuns.RunAsync(azurite, output,
            from kindAndMode in new[]
            {
                (FaultKind.Timeout, FaultMode.Once),
                (FaultKind.Timeout, FaultMode.UntilSdkGivesUp),
                (FaultKind.AnswerLost, FaultMode.Once),
                (FaultKind.AnswerLost, FaultMode.UntilSdkGivesUp),
                (FaultKind.Status503, FaultMode.UntilSdkGivesUp),
            }
            from point in HappyPath.Points.Where(p => !p.WorkerOnly)
            select new FaultCase(point, kindAndMode.Item1, kindAndMode.Item2, FaultRunner.FunctionsHost));
}

/// <summary>The Functions host's share of the runs (see <see cref="StorageFaultRuns"/>): every kind of fault at the key calls.</summary>
[Trait("Category", "StorageFaults")]
public sealed class StorageFaultsUnderTheFunctionsHostTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public Task Every_kind_of_fault_at_the_key_calls_ends_with_each_job_done_once() =>
        StorageFaultRuns.RunAsync(azurite, output,
            from name in StorageFaultRuns.KeyCalls
            from kind in StorageFaultRuns.AllKinds
            from mode in StorageFaultRuns.BothModes
            select new FaultCase(HappyPath.Named(name), kind, mode, FaultRunner.FunctionsHost));
}

/// <summary>The local worker's share of the runs (see <see cref="StorageFaultRuns"/>): its own queue calls.</summary>
[Trait("Category", "StorageFaults")]
[WaitsOnTheClock]
public sealed class StorageFaultsAtTheQueueCallsUnderTheLocalWorkerTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public Task Every_kind_of_fault_at_its_own_queue_calls_ends_with_each_job_done_once() =>
        StorageFaultRuns.RunAsync(azurite, output,
            from point in HappyPath.Points.Where(p => p.WorkerOnly)
            from kind in StorageFaultRuns.AllKinds
            from mode in StorageFaultRuns.BothModes
            select new FaultCase(point, kind, mode, FaultRunner.Worker));
}

/// <summary>The local worker's share of the runs (see <see cref="StorageFaultRuns"/>): the key calls.</summary>
[Trait("Category", "StorageFaults")]
[WaitsOnTheClock]
public sealed class StorageFaultsUnderTheLocalWorkerTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public Task Faults_at_the_key_calls_end_with_each_job_done_once() =>
        StorageFaultRuns.RunAsync(azurite, output,
            from name in StorageFaultRuns.KeyCalls
            from kind in new[] { FaultKind.AnswerLost, FaultKind.Status503 }
            select new FaultCase(HappyPath.Named(name), kind, FaultMode.UntilSdkGivesUp, FaultRunner.Worker));
}

/// <summary>
/// Storage faults are tested, not hoped for. Each storage call of a job's happy path (<see cref="HappyPath"/>) is
/// made to fail once (the SDK's retry absorbs it) and four times in a row (the SDK gives up, the queue redelivers),
/// as a timeout, as a write that landed with its answer lost, and as a 503; the key calls also as a 500 and a
/// connection reset; the worker's own queue calls in every way. The queue is then run until it is empty, and
/// every run must end with every job succeeded (or, where the fault makes that impossible, reported as not
/// queued and without a row), the queue empty, each history and change row once, no answer paid for twice
/// unless its blob never landed, and the ledger equal to what the API charged (<see cref="FaultScenario"/>).
/// The cases of one test run side by side, each with its own pipeline and storage names, and the four shares'
/// classes run beside each other. docs/storage-faults.md is the table of what these runs show.
/// </summary>
internal static class StorageFaultRuns
{
    public static readonly FaultKind[] AllKinds = Enum.GetValues<FaultKind>();
    public static readonly FaultMode[] BothModes = Enum.GetValues<FaultMode>();

    /// <summary>The calls where a repeated or failed write costs the most: the reservation, the raw answer, the record of it, the job's end.</summary>
    public static readonly string[] KeyCalls = ["claim + ledger $batch, first call of the day", "raw blob PUT", "metrics history PUT", "job row PUT"];

    public static async Task RunAsync(AzuriteFixture azurite, ITestOutputHelper output, IEnumerable<FaultCase> cases)
    {
        var results = new List<FaultCaseResult>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (c, _) =>
        {
            var result = await FaultScenario.RunAsync(azurite, c);
            lock (results)
            {
                results.Add(result);
            }
        });
        foreach (var result in results.OrderBy(r => HappyPath.Points.ToList().IndexOf(r.Case.Point)).ThenBy(r => r.Case.Kind).ThenBy(r => r.Case.Mode))
        {
            output.WriteLine(result.ToString());
        }
        var failed = results.Where(r => r.Violations.Count > 0).ToList();
        Assert.True(failed.Count == 0, string.Join('\n', failed));
    }
}
