using System.Diagnostics;
using Backlinks.Jobs;
using Backlinks.Tests.Infrastructure;
using Backlinks.Worker;

namespace Backlinks.Tests.Jobs;

/// <summary>
/// A message that arrives before its job row records it is looked at again shortly and never counts
/// toward poison, under the Functions host (the trigger) and the local worker alike.
/// </summary>
public sealed class AheadOfRowTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    // One failed delivery would already poison a message: being ahead must not count as one.
    private static readonly Dictionary<string, string?> OneDelivery = new()
    {
        ["Queue:MaxDequeueCount"] = "1",
        ["Queue:PollInterval"] = "00:00:00.050",
    };

    [Fact]
    public async Task Under_the_functions_host_an_early_message_is_resent_not_poisoned()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, OneDelivery);
        var id = await pipeline.CreateJobAsync("example.com");
        await pipeline.Storage.JobsQueue.SendMessageAsync(new JobMessage(JobMessage.IdOnlyVersion, id.ToString(), Token: "next", Seq: 1).ToJson());

        var sinceDelivery = Stopwatch.StartNew();
        Assert.True(await new QueueHostEmulator(pipeline, maxDequeueCount: 1).DeliverNextAsync());

        Assert.Equal(0, (await pipeline.Storage.PoisonQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(1, (await pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount); // its delayed copy
        // Azurite keeps real time, and the delay is short: on a loaded machine it may have passed by now,
        // so the copy may only be visible once at least the delay has gone by.
        var visible = (await pipeline.Storage.JobsQueue.PeekMessagesAsync()).Value;
        Assert.True(visible.Length == 0 || sinceDelivery.Elapsed >= MessageAction.AheadOfRowDelay, "the resent copy was visible before its delay");
        Assert.Empty(pipeline.Api.Calls);
    }

    [Fact]
    public async Task Under_the_local_worker_an_early_message_is_resent_and_runs_once_its_row_catches_up()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, OneDelivery, systemClock: true);
        var id = await pipeline.CreateJobAsync("example.com");
        await pipeline.Storage.JobsQueue.SendMessageAsync(new JobMessage(JobMessage.IdOnlyVersion, id.ToString(), Token: "next", Seq: 1).ToJson());
        var tally = new WorkerTally();

        var run = pipeline.Get<QueueWorker>().RunAsync(WorkUntil.Empty, tally, CancellationToken.None);
        while (tally.Retried == 0)
        {
            Assert.False(run.IsCompleted, "the worker stopped before it saw the early message");
            await Task.Delay(20);
        }
        // The write that the message was ahead of lands.
        var jobs = pipeline.Get<JobStore>();
        var job = (await jobs.GetAsync(id, CancellationToken.None))!;
        (job.MessageSeq, job.MessageToken) = (1, "next");
        Assert.True(await jobs.TryReplaceAsync(job, CancellationToken.None));
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, tally.Succeeded);
        Assert.Equal(JobStatus.Succeeded, (await jobs.GetAsync(id, CancellationToken.None))!.Status);
        Assert.Equal(0, (await pipeline.Storage.PoisonQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
