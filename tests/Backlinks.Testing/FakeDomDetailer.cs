using Backlinks.Sandbox;

namespace Backlinks.Testing;

/// <summary>
/// The DomDetailer API as the tests see it: the sandbox (key and parameter checks, simulated balance and
/// rate limit, synthetic samples) on loopback, plus answers scripted in order and a record of every call.
/// </summary>
public sealed class FakeDomDetailer : IAsyncDisposable
{
    private readonly ScriptingInterceptor _scripting;

    private FakeDomDetailer(SandboxApi sandbox, ScriptingInterceptor scripting)
    {
        Sandbox = sandbox;
        _scripting = scripting;
    }

    /// <summary>Starts on 127.0.0.1; port 0 picks a free one (see <see cref="BaseUrl"/>).</summary>
    public static async Task<FakeDomDetailer> StartAsync(string apiKey = SandboxApi.DefaultApiKey, int port = 0)
    {
        var scripting = new ScriptingInterceptor();
        return new FakeDomDetailer(await SandboxApi.StartAsync(apiKey, port, scripting), scripting);
    }

    /// <summary>The simulated API underneath.</summary>
    public SandboxApi Sandbox { get; }

    public string ApiKey => Sandbox.ApiKey;

    public Uri BaseUrl => Sandbox.BaseUrl;

    /// <inheritdoc cref="SandboxApi.Credits"/>
    public long Credits
    {
        get => Sandbox.Credits;
        set => Sandbox.Credits = value;
    }

    /// <inheritdoc cref="SandboxApi.CreditsSpent"/>
    public long CreditsSpent => Sandbox.CreditsSpent;

    /// <inheritdoc cref="SandboxApi.RateLimitPerSecond"/>
    public int? RateLimitPerSecond
    {
        get => Sandbox.RateLimitPerSecond;
        set => Sandbox.RateLimitPerSecond = value;
    }

    /// <summary>How many backlinks calls were answered 429 (by the simulated limit or by the script).</summary>
    public int RateLimitedCalls => _scripting.RateLimitedCalls;

    /// <summary>Domains of every call to the backlinks endpoint, in order (wrong keys and missing domains included).</summary>
    public IReadOnlyList<string> Calls => _scripting.Calls;

    /// <summary>When each backlinks call arrived (wall clock) and the <c>app</c> it named, in order: for counting calls per second.</summary>
    public IReadOnlyList<CallArrival> Arrivals => _scripting.Arrivals;

    /// <summary>The path of every call to the backlinks endpoint, in order.</summary>
    public IReadOnlyList<string> Paths => _scripting.Paths;

    /// <summary>When each balance request arrived.</summary>
    public IReadOnlyList<DateTimeOffset> BalanceCalls => _scripting.BalanceCalls;

    /// <summary>The exact bytes last sent for a domain's successful answer.</summary>
    public byte[] LastBodyFor(string domain) => _scripting.LastBodyFor(domain);

    /// <summary>Answers to the next backlinks calls that bring the right key and parameters, in order.</summary>
    public void Script(params SandboxAnswer[] answers) => _scripting.Script(answers.Select(a => (ScriptedAnswer)a));

    /// <inheritdoc cref="Script(SandboxAnswer[])"/>
    public void Script(params ScriptedAnswer[] answers) => _scripting.Script(answers);

    /// <summary>Answers to the next balance requests (that bring the right key), in order, instead of the balance.</summary>
    public void ScriptBalance(params SandboxAnswer[] answers) => _scripting.ScriptBalance(answers.Select(a => (ScriptedAnswer)a));

    /// <inheritdoc cref="ScriptBalance(SandboxAnswer[])"/>
    public void ScriptBalance(params ScriptedAnswer[] answers) => _scripting.ScriptBalance(answers);

    /// <summary>Completes once <paramref name="total"/> backlinks calls have arrived (for tests that act while a call is in flight).</summary>
    public Task WaitForCallsAsync(int total) => _scripting.WaitForCallsAsync(total);

    public ValueTask DisposeAsync() => Sandbox.DisposeAsync();
}
