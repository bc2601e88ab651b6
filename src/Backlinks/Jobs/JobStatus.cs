namespace Backlinks.Jobs;

/// <summary>The job states a caller can see.</summary>
public static class JobStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Waiting = "waiting";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    /// <summary>Stopped by an operator before it ran (<c>backlinks cancel</c>): final, its message is dropped when it arrives.</summary>
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> All = [Queued, Running, Waiting, Succeeded, Failed, Cancelled];

    public static bool IsTerminal(string status) => status is Succeeded or Failed or Cancelled;
}
