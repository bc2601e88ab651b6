namespace Backlinks.Cli.Hosting;

/// <summary>The documented exit codes of <c>backlinks</c>.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>An error: bad usage, missing setting, storage unreachable, API key rejected, job failed.</summary>
    public const int Error = 1;

    /// <summary>submit: some inputs were rejected; the valid ones were queued.</summary>
    public const int SomeRejected = 2;

    /// <summary>submit: nothing was queued (no valid domain, or the input could not be read).</summary>
    public const int NothingSubmitted = 3;

    /// <summary>lookup: the job is not finished yet (waiting out a 429/402, or queued for a retry).</summary>
    public const int NotFinished = 4;
}
