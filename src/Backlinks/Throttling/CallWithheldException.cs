namespace Backlinks.Throttling;

/// <summary>A backlinks call that was not sent: the account's pause began while it waited for its turn.</summary>
public sealed class CallWithheldException() : Exception("The call was withheld: the account is paused.");
