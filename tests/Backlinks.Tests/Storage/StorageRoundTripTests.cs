using Backlinks.Jobs;
using Backlinks.Tests.Infrastructure;
using Backlinks.Worker;
using Xunit.Abstractions;

namespace Backlinks.Tests.Storage;

/// <summary>
/// What one happy-path job costs in storage requests, from its submission to its message's deletion,
/// counted in the clients' own pipelines. Figures are in the README ("Storage round trips").
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class StorageRoundTripTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const int Jobs = 50;

    [Fact]
    public async Task A_happy_path_job_costs_8_storage_requests_of_its_own_and_a_share_of_the_batched_ones()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Queue:PollInterval"] = "00:00:00.050",
        }, systemClock: true);
        pipeline.StorageRequests.Reset();

        await pipeline.SubmitAsync(Enumerable.Range(0, Jobs).Select(i => $"site{i}.example.com"));
        var tally = await pipeline.Get<QueueWorker>().RunAsync(untilEmpty: true, new WorkerTally(), CancellationToken.None);

        Assert.Equal(Jobs, tally.Succeeded);
        var requests = pipeline.StorageRequests.Requests;
        foreach (var group in requests.GroupBy(r => r).OrderByDescending(g => g.Count()))
        {
            output.WriteLine($"{group.Count(),5}  {group.Key}");
        }
        var perJob = (double)requests.Count / Jobs;
        output.WriteLine($"{requests.Count} requests for {Jobs} jobs: {perJob:0.00} per job, end to end");

        // Shared by many jobs: message batches of up to 32, the account state read at most every 2 s, row batches of 100.
        var queue = pipeline.Storage.JobsQueue.Name;
        bool Shared(string r) => r == $"GET {queue}" || r == $"GET {pipeline.Storage.ControlTable.Name}";
        var submission = Jobs + 1; // one message per job, one row batch
        var processing = requests.Count(r => !Shared(r)) - submission;
        output.WriteLine($"processing: {(double)processing / Jobs:0.00} per job of its own, {(double)requests.Count(Shared) / Jobs:0.00} shared");
        Assert.True(processing <= 8 * Jobs, $"{processing} requests of the jobs' own for {Jobs} jobs");
        Assert.True(requests.Count(Shared) <= Jobs / 2, $"{requests.Count(Shared)} shared reads for {Jobs} jobs");
    }
}
