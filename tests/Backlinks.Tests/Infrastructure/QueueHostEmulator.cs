using Backlinks.Functions.Queue;
using Backlinks.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace Backlinks.Tests.Infrastructure;

/// <summary>
/// Delivers real queue messages to the queue functions the way the Functions host does: the message
/// is deleted when the function returns; when it throws, the message becomes visible again, and after
/// <see cref="MaxDequeueCount"/> deliveries its body is copied to the poison queue.
/// </summary>
public sealed class QueueHostEmulator(TestPipeline pipeline, int maxDequeueCount = 5)
{
    public int MaxDequeueCount { get; } = maxDequeueCount;

    /// <summary>Delivers the next visible message; false when there is none.</summary>
    public async Task<bool> DeliverNextAsync()
    {
        var queue = pipeline.Storage.JobsQueue;
        var received = (await queue.ReceiveMessageAsync()).Value;
        if (received is null)
        {
            return false;
        }

        var function = new ProcessBacklinkJob(pipeline.Services.GetRequiredService<JobProcessor>(), pipeline.Services.GetRequiredService<JobQueue>());
        try
        {
            await function.Run(received.Body.ToString(), received.MessageId, CancellationToken.None);
            await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        }
        catch (MessageRetryException)
        {
            if (received.DequeueCount >= MaxDequeueCount)
            {
                await pipeline.Storage.PoisonQueue.SendMessageAsync(received.Body.ToString());
                await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
            }
            else
            {
                await queue.UpdateMessageAsync(received.MessageId, received.PopReceipt, visibilityTimeout: TimeSpan.Zero);
            }
        }
        return true;
    }

    /// <summary>Delivers visible messages until none is left; returns how many were delivered.</summary>
    public async Task<int> DrainAsync(int limit = 1000)
    {
        var delivered = 0;
        while (delivered < limit && await DeliverNextAsync())
        {
            delivered++;
        }
        return delivered;
    }

    /// <summary>Delivers every visible poison message to the poison function.</summary>
    public async Task<int> DrainPoisonAsync()
    {
        var function = new FailPoisonedBacklinkJob(pipeline.Services.GetRequiredService<PoisonedJobs>());
        var delivered = 0;
        while ((await pipeline.Storage.PoisonQueue.ReceiveMessageAsync()).Value is { } message)
        {
            await function.Run(message.Body.ToString(), CancellationToken.None);
            await pipeline.Storage.PoisonQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            delivered++;
        }
        return delivered;
    }
}
