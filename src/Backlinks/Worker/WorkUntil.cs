namespace Backlinks.Worker;

/// <summary>When a worker run returns on its own (a stop request always ends it).</summary>
public enum WorkUntil
{
    /// <summary>Only when stopped: the Functions app's behaviour.</summary>
    Stopped,

    /// <summary>Once the queue holds no message, visible or delayed: jobs waiting out a 429 or 402 are waited for.</summary>
    Empty,

    /// <summary>Once nothing can run now: no visible message and none in hand; delayed messages are left for later.</summary>
    Idle,
}
