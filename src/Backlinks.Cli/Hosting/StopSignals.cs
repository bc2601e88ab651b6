namespace Backlinks.Cli.Hosting;

/// <summary>What one Ctrl-C or SIGTERM asks of the tool.</summary>
internal enum StopRequest
{
    /// <summary>The first: stop taking work and finish what is in hand.</summary>
    Stop,

    /// <summary>The second, for a command with jobs in hand: give them back to the queue and quit.</summary>
    Quit,

    /// <summary>A copy of the first (see <see cref="StopSignals.CopyWindow"/>): nothing more is asked.</summary>
    Copy,

    /// <summary>One more: the default, immediate exit.</summary>
    ExitNow,
}

/// <summary>Counts the stop signals a run receives and says what each one asks.</summary>
/// <param name="handsJobsBack">The command has jobs in hand that a quit gives back (work, lookup).</param>
internal sealed class StopSignals(bool handsJobsBack, TimeProvider time)
{
    /// <summary>
    /// `timeout` sends its signal to the tool and again to its process group, the tool included: the copy comes
    /// within a millisecond and is the same request. A person takes far longer to press Ctrl-C again.
    /// </summary>
    public static readonly TimeSpan CopyWindow = TimeSpan.FromMilliseconds(300);

    private readonly Lock _gate = new();
    private int _received;
    private long _firstAt;

    public StopRequest Next()
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_received > 0 && time.GetElapsedTime(_firstAt, now) < CopyWindow)
            {
                return StopRequest.Copy;
            }
            if (++_received == 1)
            {
                _firstAt = now;
                return StopRequest.Stop;
            }
            return _received == 2 && handsJobsBack ? StopRequest.Quit : StopRequest.ExitNow;
        }
    }
}
