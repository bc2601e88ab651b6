namespace Backlinks.Sandbox;

/// <summary>
/// A hook into the sandbox API, passed to <see cref="SandboxApi.StartAsync"/>: sees every request,
/// may answer in place of the simulated account, and sees every answer sent. The sandbox runs
/// without one; the tests use one to script answers and record calls.
/// </summary>
public interface ISandboxInterceptor
{
    /// <summary>A request arrived, before the sandbox checks the key or the parameters.</summary>
    void Received(SandboxRequest request)
    {
    }

    /// <summary>
    /// The key and the parameters are good and the simulated rate limit is not reached: an answer to send
    /// instead of the simulated account's (balance, credits, sample), or null for the simulated one. It may
    /// take its time (the call stays in flight); <paramref name="cancellationToken"/> fires if the client gives up.
    /// </summary>
    ValueTask<SandboxAnswer?> BeforeAnswerAsync(SandboxRequest request, CancellationToken cancellationToken) => ValueTask.FromResult<SandboxAnswer?>(null);

    /// <summary>The answer is about to be sent (after its <see cref="SandboxAnswer.Delay"/>; never for one that hangs).</summary>
    void Answered(SandboxRequest request, SandboxAnswer answer)
    {
    }
}
