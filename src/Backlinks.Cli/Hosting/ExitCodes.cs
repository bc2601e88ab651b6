namespace Backlinks.Cli.Hosting;

/// <summary>The documented exit codes of <c>backlinks</c>: a contract with scripts, so codes are added, never changed.</summary>
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

    /// <summary>work: the run finished, but some of the jobs it ran failed.</summary>
    public const int SomeJobsFailed = 5;

    /// <summary>work, lookup: quit by a second Ctrl-C; the code a shell gives a process ended by SIGINT.</summary>
    public const int QuitByInterrupt = 130;

    /// <summary>work, lookup: quit by a second SIGTERM; the code a shell gives a process ended by SIGTERM.</summary>
    public const int QuitByTerminate = 143;

    /// <summary>Each code with what it means, for --help and the README.</summary>
    public static readonly IReadOnlyList<(int Code, string Meaning)> Documented =
    [
        (Ok, "success"),
        (Error, "an error: bad usage, a missing setting, storage unreachable, the API key rejected, a job failed (lookup), an interval that cannot be read, a domain that is not watched"),
        (SomeRejected, "submit, watch add: some inputs were rejected; the valid ones were queued (added)"),
        (NothingSubmitted, "submit, watch add: nothing was queued (no valid domain, or the input could not be read)"),
        (NotFinished, "lookup: the job is not finished yet (waiting out a 429/402, or queued for a retry)"),
        (SomeJobsFailed, "work: the run finished, but some jobs it ran failed"),
        (QuitByInterrupt, "work, lookup: quit by a second Ctrl-C; the jobs in hand went back to the queue"),
        (QuitByTerminate, "work, lookup: quit by a second SIGTERM; the jobs in hand went back to the queue"),
    ];
}
