using Backlinks.Jobs;
using Backlinks.Tests.Infrastructure;
using Backlinks.Worker;
using Xunit.Abstractions;

namespace Backlinks.Tests.Storage;

/// <summary>
/// What one happy-path job costs in storage requests, from its submission to its message's deletion,
/// counted in the clients' own pipelines. Figures are in the README ("Storage round trips").
/// </summary>
[Collection(RunAloneCollection.Name)]
public sealed class StorageRoundTripTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private const int Jobs = 50;

    [Fact]
    public async Task A_happy_path_job_costs_9_storage_requests_of_its_own_and_a_share_of_the_batched_ones()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Queue:PollInterval"] = "00:00:00.050",
        }, systemClock: true);
        pipeline.StorageRequests.Reset();

        await pipeline.SubmitAsync(Enumerable.Range(0, Jobs).Select(i => $"site{i}.example.com"));
        var tally = await pipeline.Get<QueueWorker>().RunAsync(WorkUntil.Empty, new WorkerTally(), CancellationToken.None);

        Assert.Equal(Jobs, tally.Succeeded);
        var all = pipeline.StorageRequests.Log;
        foreach (var group in all.GroupBy(r => $"{r.Method} {r.Resource}").OrderByDescending(g => g.Count()))
        {
            output.WriteLine($"{group.Count(),5}  {group.Key}");
        }

        // The link tables' own work belongs to the ingest benchmark: their batches, the reads of the domain's
        // existing links and metrics history, and the per-domain writer lease.
        var storage = pipeline.Storage;
        string[] linkTables = [storage.LinkRowsTable.Name, storage.LinkChangesTable.Name, storage.RefDomainsTable.Name];
        bool LinkIngest(StorageRequest r) =>
            linkTables.Any(t => r.Resource == t || r.Resource == $"$batch:{t}")
            || (r.Resource == storage.ControlTable.Name && r.Method is "POST" or "PUT" or "DELETE") // the lease: taken by an insert, ended by a delete
            || (r.Method == "GET" && r.Resource == storage.MetricsTable.Name);

        // Shared by many jobs: message batches of up to 32 and the account state, read at most every 2 s.
        bool Shared(StorageRequest r) => r.Method == "GET" && (r.Resource == storage.JobsQueue.Name || r.Resource == storage.ControlTable.Name);

        // The submission: one message per job and one batch of rows.
        bool Submission(StorageRequest r) => (r.Method == "POST" && r.Resource == storage.JobsQueue.Name) || r.Resource == $"$batch:{storage.JobsTable.Name}";

        var own = all.Count(r => !LinkIngest(r) && !Shared(r) && !Submission(r));
        output.WriteLine($"{all.Count} requests for {Jobs} jobs: {(double)all.Count / Jobs:0.00} per job end to end");
        output.WriteLine($"each job's own: {(double)own / Jobs:0.00}; shared: {(double)all.Count(Shared) / Jobs:0.00}; submission: {(double)all.Count(Submission) / Jobs:0.00}; link ingest: {(double)all.Count(LinkIngest) / Jobs:0.00}");
        // A job that was deferred, or met a fault, and ran again costs more than 9: the log says what happened.
        foreach (var record in pipeline.Logs.GetSnapshot().Where(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Information))
        {
            output.WriteLine($"{record.Level} {record.Category}: {record.Message} {record.Exception?.GetType().Name} {record.Exception?.Message}");
        }
        Assert.True(own <= 9 * Jobs, $"{own} requests of the jobs' own for {Jobs} jobs");
        Assert.True(all.Count(Shared) <= Jobs / 2, $"{all.Count(Shared)} shared reads for {Jobs} jobs");
        Assert.Equal(Jobs + 1, all.Count(Submission));
    }
}
