using Backlinks.Jobs;

namespace Backlinks.Tests.Jobs;

/// <summary>The one mapping from what a job came to, to what happens to its message.</summary>
public class MessageActionTests
{
    [Theory]
    [InlineData(JobOutcomeKind.Succeeded, MessageActionKind.Complete)]
    [InlineData(JobOutcomeKind.Deferred, MessageActionKind.Complete)]
    [InlineData(JobOutcomeKind.Failed, MessageActionKind.Complete)]
    [InlineData(JobOutcomeKind.Skipped, MessageActionKind.Complete)]
    [InlineData(JobOutcomeKind.RetryMessage, MessageActionKind.Retry)]
    [InlineData(JobOutcomeKind.AheadOfRow, MessageActionKind.ResendLater)]
    public void Every_outcome_has_one_message_action(JobOutcomeKind outcome, MessageActionKind action)
    {
        Assert.Equal(action, MessageAction.For(new JobOutcome(outcome, null, "")).Kind);
    }

    [Fact]
    public void A_message_ahead_of_its_row_is_looked_at_again_after_a_short_delay()
    {
        var action = MessageAction.For(new JobOutcome(JobOutcomeKind.AheadOfRow, null, ""));

        Assert.Equal(MessageAction.AheadOfRowDelay, action.Delay);
        Assert.InRange(action.Delay, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));
    }
}
