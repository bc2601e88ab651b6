namespace Backlinks.Jobs;

public enum MessageActionKind
{
    /// <summary>The message is done: delete it.</summary>
    Complete,

    /// <summary>Send a copy of the message with <see cref="MessageAction.Delay"/>, then delete this one: a wait that never counts toward poison.</summary>
    ResendLater,

    /// <summary>Leave the message to the queue: it comes back after the visibility timeout, and goes to poison after the delivery limit.</summary>
    Retry,
}

/// <summary>
/// What a queue runner does with a message once its job was processed. The one mapping from a job
/// outcome to the queue, used by the Functions trigger, the local worker and the one-off lookup alike.
/// </summary>
public sealed record MessageAction(MessageActionKind Kind, TimeSpan Delay)
{
    /// <summary>How long a message that is ahead of its job row waits before it is looked at again.</summary>
    public static readonly TimeSpan AheadOfRowDelay = TimeSpan.FromSeconds(1);

    public static readonly MessageAction Complete = new(MessageActionKind.Complete, TimeSpan.Zero);

    public static readonly MessageAction Retry = new(MessageActionKind.Retry, TimeSpan.Zero);

    public static MessageAction For(JobOutcome outcome) => outcome.Kind switch
    {
        JobOutcomeKind.RetryMessage => Retry,
        JobOutcomeKind.AheadOfRow => new(MessageActionKind.ResendLater, AheadOfRowDelay),
        _ => Complete,
    };
}
