using Backlinks.Sandbox;

namespace Backlinks.Testing;

/// <summary>
/// An answer a test scripts for the next call: a fixed <see cref="SandboxAnswer"/> (converts implicitly),
/// or one made from the request as it arrived; optionally held back until a task completes.
/// </summary>
public sealed record ScriptedAnswer
{
    private readonly Func<SandboxRequest, SandboxAnswer> _respond;

    private ScriptedAnswer(Func<SandboxRequest, SandboxAnswer> respond) => _respond = respond;

    /// <summary>Answer only once this task completes (for tests that act while a call is in flight).</summary>
    public Task? Gate { get; init; }

    public static implicit operator ScriptedAnswer(SandboxAnswer answer) => new(_ => answer);

    /// <summary>An answer made from the request, e.g. an error page that quotes the URL, and with it the key.</summary>
    public static ScriptedAnswer From(Func<SandboxRequest, SandboxAnswer> respond) => new(respond);

    /// <summary>An answer whose body is made from the request.</summary>
    public static ScriptedAnswer Echo(int status, Func<SandboxRequest, string> body, string? contentType = null) =>
        From(request => new SandboxAnswer(status, body(request)) { ContentType = contentType });

    /// <summary>The answer for <paramref name="request"/>.</summary>
    public SandboxAnswer For(SandboxRequest request) => _respond(request);
}

public static class SandboxAnswerScripting
{
    /// <summary>This answer, sent only once <paramref name="gate"/> completes: the call stays in flight until then.</summary>
    public static ScriptedAnswer HeldUntil(this SandboxAnswer answer, Task gate) => ((ScriptedAnswer)answer) with { Gate = gate };
}
