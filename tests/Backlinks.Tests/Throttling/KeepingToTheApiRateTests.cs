using Backlinks.Tests.Infrastructure;
using Backlinks.Worker;

namespace Backlinks.Tests.Throttling;

/// <summary>The client keeps to the API's rate, measured on the real clock: it runs alone, where a loaded machine cannot bunch its calls.</summary>
[Collection(RunAloneCollection.Name)]
public sealed class KeepingToTheApiRateTests(QuietAzuriteFixture azurite)
{
    [Fact]
    public async Task Against_an_api_allowing_20_calls_a_second_the_client_keeps_to_it_with_few_429s()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["DomDetailer:MaxRequestsPerSecond"] = "20",
            ["Queue:PollInterval"] = "00:00:00.050",
            ["Queue:Concurrency"] = "8",
            ["Backoff:RateLimitBaseDelay"] = "00:00:01",
        }, systemClock: true);
        pipeline.Api.RateLimitPerSecond = 20;
        await pipeline.SubmitAsync(Enumerable.Range(0, 40).Select(i => $"site{i}.com"));

        var tally = await pipeline.Get<QueueWorker>().RunAsync(WorkUntil.Empty, new WorkerTally(), CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(40, tally.Succeeded);
        Assert.Equal(0, tally.Skipped);
        Assert.InRange(pipeline.Api.RateLimitedCalls, 0, 8); // a few, where timer ticks bunch up at a window edge
    }
}
