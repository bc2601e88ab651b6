using System.Collections.Concurrent;
using System.Text;
using Backlinks.Sandbox;

namespace Backlinks.Testing;

/// <summary>
/// Scripts the sandbox's answers and records its calls: scripted answers go out in order (after the
/// sandbox's key, parameter and rate-limit checks) in place of the simulated account's.
/// </summary>
internal sealed class ScriptingInterceptor : ISandboxInterceptor
{
    private readonly ConcurrentQueue<ScriptedAnswer> _script = new();
    private readonly ConcurrentQueue<ScriptedAnswer> _balanceScript = new();
    private readonly ConcurrentQueue<string> _domains = new();
    private readonly ConcurrentQueue<string> _paths = new();
    private readonly ConcurrentQueue<CallArrival> _arrivals = new();
    private readonly List<DateTimeOffset> _balanceCalls = [];
    private readonly ConcurrentDictionary<string, byte[]> _sentBodies = new();
    private readonly SemaphoreSlim _requestArrived = new(0);
    private int _rateLimited;

    public IReadOnlyList<string> Calls => _domains.ToList();

    public IReadOnlyList<string> Paths => _paths.ToList();

    public IReadOnlyList<CallArrival> Arrivals => _arrivals.ToList();

    public IReadOnlyList<DateTimeOffset> BalanceCalls
    {
        get
        {
            lock (_balanceCalls)
            {
                return [.. _balanceCalls];
            }
        }
    }

    public int RateLimitedCalls => Volatile.Read(ref _rateLimited);

    public byte[] LastBodyFor(string domain) => _sentBodies[domain];

    public void Script(IEnumerable<ScriptedAnswer> answers)
    {
        foreach (var answer in answers)
        {
            _script.Enqueue(answer);
        }
    }

    public void ScriptBalance(IEnumerable<ScriptedAnswer> answers)
    {
        foreach (var answer in answers)
        {
            _balanceScript.Enqueue(answer);
        }
    }

    public async Task WaitForCallsAsync(int total)
    {
        while (_domains.Count < total)
        {
            if (!await _requestArrived.WaitAsync(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"Expected {total} calls, got {_domains.Count}.");
            }
        }
    }

    public void Received(SandboxRequest request)
    {
        if (request.IsBalance)
        {
            lock (_balanceCalls)
            {
                _balanceCalls.Add(DateTimeOffset.UtcNow);
            }
            return;
        }
        _arrivals.Enqueue(new CallArrival(DateTimeOffset.UtcNow, request.Query["app"].ToString()));
        _domains.Enqueue(request.Domain);
        _paths.Enqueue(request.Path);
        _requestArrived.Release();
    }

    public async ValueTask<SandboxAnswer?> BeforeAnswerAsync(SandboxRequest request, CancellationToken cancellationToken)
    {
        if (!(request.IsBalance ? _balanceScript : _script).TryDequeue(out var scripted))
        {
            return null;
        }
        if (scripted.Gate is { } gate)
        {
            await gate.WaitAsync(cancellationToken);
        }
        return scripted.For(request);
    }

    public void Answered(SandboxRequest request, SandboxAnswer answer)
    {
        if (request.IsBalance)
        {
            return;
        }
        if (answer.Status == 429)
        {
            Interlocked.Increment(ref _rateLimited);
        }
        if (answer.Status == 200)
        {
            _sentBodies[request.Domain] = Encoding.UTF8.GetBytes(answer.Body);
        }
    }
}
