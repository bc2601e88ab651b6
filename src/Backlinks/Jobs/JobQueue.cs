using Azure.Storage.Queues.Models;
using Backlinks.Storage;

namespace Backlinks.Jobs;

/// <summary>Sends job messages. A delay makes the message invisible until the next attempt is due.</summary>
public sealed class JobQueue(StorageClients storage)
{
    /// <summary>The service's limit on an initial visibility delay.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7);

    // A message must not expire while its job waits (the default time-to-live is 7 days): -1 means never.
    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    public Task SendAsync(JobMessage message, TimeSpan? delay, CancellationToken cancellationToken) =>
        SendAsync(message.ToJson(), delay, cancellationToken);

    /// <summary>
    /// Sends the message of a job its sender runs now, out of sight for <paramref name="lease"/> as a received
    /// message would be: should the sender die, a worker takes the job up after the lease.
    /// </summary>
    public async Task<SendReceipt> SendHeldAsync(JobMessage message, TimeSpan lease, CancellationToken cancellationToken) =>
        (await storage.JobsQueue.SendMessageAsync(message.ToJson(), lease, NeverExpires, cancellationToken)).Value;

    /// <summary>Sends a message body as it is: how a runner re-sends a message it received.</summary>
    public async Task SendAsync(string body, TimeSpan? delay, CancellationToken cancellationToken)
    {
        var visibility = delay is { } d ? (d > MaxDelay ? MaxDelay : d < TimeSpan.Zero ? TimeSpan.Zero : d) : (TimeSpan?)null;
        await storage.JobsQueue.SendMessageAsync(body, visibility, NeverExpires, cancellationToken);
    }
}
