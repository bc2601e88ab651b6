using Microsoft.Extensions.Options;

namespace Backlinks.Worker;

/// <summary>
/// The local worker's queue rules, bound from the <c>Queue</c> section (<c>Queue__*</c>). In Azure the
/// Functions host applies the same rules from host.json; the defaults here match it.
/// </summary>
public sealed class QueueWorkerOptions
{
    public const string Section = "Queue";

    /// <summary>How long a message that failed stays invisible before it is tried again (host.json visibilityTimeout).</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deliveries of a failing message before it goes to the poison queue (host.json maxDequeueCount).</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>How long a received message stays hidden while it is processed; longer than any one job takes.</summary>
    public TimeSpan ProcessingLease { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Pause between polls of an empty queue.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Jobs processed at once by one worker.</summary>
    public int Concurrency { get; set; } = 4;
}

public sealed class QueueWorkerOptionsValidator : IValidateOptions<QueueWorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, QueueWorkerOptions o)
    {
        var failures = new List<string>();
        if (o.VisibilityTimeout < TimeSpan.Zero || o.VisibilityTimeout > TimeSpan.FromDays(7))
        {
            failures.Add("Queue__VisibilityTimeout must be between 0 and 7 days.");
        }
        if (o.MaxDequeueCount < 1)
        {
            failures.Add("Queue__MaxDequeueCount must be at least 1.");
        }
        if (o.ProcessingLease < TimeSpan.FromSeconds(1) || o.ProcessingLease > TimeSpan.FromDays(7))
        {
            failures.Add("Queue__ProcessingLease must be between 1 second and 7 days.");
        }
        if (o.PollInterval <= TimeSpan.Zero)
        {
            failures.Add("Queue__PollInterval must be positive.");
        }
        if (o.Concurrency is < 1 or > 64)
        {
            failures.Add("Queue__Concurrency must be between 1 and 64.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
