using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Backlinks.Sandbox;

/// <summary>One answer of the sandbox API: chosen by <see cref="SandboxApi.AnswerFor"/>, or by an <see cref="ISandboxInterceptor"/>.</summary>
public sealed record SandboxAnswer(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null, bool Hang = false)
{
    /// <summary>Answer only after this long (a slow but good answer).</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>The Content-Type; by default text/html for a body that starts with '&lt;', else application/json.</summary>
    public string? ContentType { get; init; }

    public static SandboxAnswer Json(int status, string body) => new(status, body);

    public static SandboxAnswer RateLimited(string? retryAfter = null) => new(429,
        """{"error":"rate_limited","message":"Too many requests"}""",
        retryAfter is null ? null : new Dictionary<string, string> { ["Retry-After"] = retryAfter });

    public static SandboxAnswer OutOfCredits() => new(402, """{"error":"out_of_credits","message":"No credits left on this account"}""");

    public static SandboxAnswer ServerError() => new(503, """{"error":"unavailable","message":"Try again later"}""");

    public static SandboxAnswer BadRequest() => new(400, """{"error":"invalid_parameter","message":"domain is not valid"}""");

    public static SandboxAnswer Malformed() => new(200, "<html><body>Gateway says hello</body></html>");

    /// <summary>Sends nothing until the client gives up.</summary>
    public static SandboxAnswer Slow() => new(200, "", Hang: true);
}

/// <summary>
/// A simulated DomDetailer Backlinks API on loopback, for trying the pipeline without an account or
/// credits, and for the tests. It checks the parameters like the real one (401 for a wrong key, 400 for
/// a missing domain), keeps a simulated balance, and answers a deterministic synthetic sample for the
/// domain (or misbehaves on purpose, see <see cref="AnswerFor"/>). An <see cref="ISandboxInterceptor"/>
/// may see every request and answer in its place. Everything it sends is labelled simulated: the
/// <see cref="SimulatedHeader"/> header on every answer, and titles, anchors and source URLs that say so.
/// </summary>
public sealed class SandboxApi : IAsyncDisposable
{
    public const string SimulatedHeader = "X-Backlinks-Sandbox";

    /// <summary>The key the sandbox accepts unless told otherwise.</summary>
    public const string DefaultApiKey = "sandbox";

    /// <summary>The documented path, and the one some public clients use.</summary>
    public static readonly string[] BacklinksPaths = ["/api2/backlinks.php", "/api2/getBacklinks.php"];

    /// <summary>The balance endpoint public clients use.</summary>
    public const string BalancePath = "/api/checkBalance.php";

    /// <summary>What one successful backlinks call costs, as on the real API.</summary>
    public const int CreditsPerCall = 3;

    private readonly WebApplication _app;
    private readonly ISandboxInterceptor _interceptor;
    private readonly ConcurrentDictionary<string, bool> _misbehaved = new();
    private readonly Queue<DateTimeOffset> _window = new();
    private long _credits = 1_000_000;
    private long _spent;

    private SandboxApi(WebApplication app, string apiKey, ISandboxInterceptor interceptor)
    {
        _app = app;
        ApiKey = apiKey;
        _interceptor = interceptor;
    }

    public string ApiKey { get; }

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Credits left on the simulated account; below 3, backlinks calls answer 402.</summary>
    public long Credits
    {
        get => Interlocked.Read(ref _credits);
        set => Interlocked.Exchange(ref _credits, value);
    }

    /// <summary>Credits taken by successful calls since start.</summary>
    public long CreditsSpent => Interlocked.Read(ref _spent);

    /// <summary>When set, calls beyond this many in any one second answer 429 with Retry-After 1.</summary>
    public int? RateLimitPerSecond { get; set; }

    /// <summary>Starts on 127.0.0.1; port 0 picks a free one (see <see cref="BaseUrl"/>).</summary>
    /// <param name="interceptor">Sees every request and may answer in the simulated account's place.</param>
    public static async Task<SandboxApi> StartAsync(string apiKey = DefaultApiKey, int port = 0, ISandboxInterceptor? interceptor = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var sandbox = new SandboxApi(app, apiKey, interceptor ?? new NoInterceptor());
        foreach (var path in BacklinksPaths)
        {
            app.MapGet(path, sandbox.HandleAsync);
        }
        app.MapGet(BalancePath, sandbox.HandleBalanceAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        sandbox.BaseUrl = new Uri(address);
        return sandbox;
    }

    private async Task HandleAsync(HttpContext context)
    {
        context.Response.Headers[SimulatedHeader] = "simulated";
        var request = SandboxRequest.From(context.Request);
        _interceptor.Received(request);

        if (request.Query["apikey"] != ApiKey)
        {
            await AnswerAsync(context, request, new SandboxAnswer(401, """{"error":"invalid_api_key","message":"API key not found or inactive"}"""));
            return;
        }
        if (string.IsNullOrEmpty(request.Domain) || string.IsNullOrEmpty(request.Query["app"]))
        {
            await AnswerAsync(context, request, new SandboxAnswer(400, """{"error":"missing_parameter","message":"domain is required"}"""));
            return;
        }

        var answer = OverRateLimit() ? SandboxAnswer.RateLimited("1")
            : await _interceptor.BeforeAnswerAsync(request, context.RequestAborted)
                ?? (Interlocked.Read(ref _credits) < CreditsPerCall ? SandboxAnswer.OutOfCredits() : AnswerFor(request.Domain, request.OnePerDomain));
        if (answer.Hang)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
            return;
        }
        if (answer.Delay is { } delay)
        {
            await Task.Delay(delay, context.RequestAborted);
        }
        if (answer.Status == 200)
        {
            Interlocked.Add(ref _credits, -CreditsPerCall);
            Interlocked.Add(ref _spent, CreditsPerCall);
        }
        await AnswerAsync(context, request, answer);
    }

    private async Task HandleBalanceAsync(HttpContext context)
    {
        context.Response.Headers[SimulatedHeader] = "simulated";
        var request = SandboxRequest.From(context.Request);
        _interceptor.Received(request);

        var answer = request.Query["apikey"] != ApiKey
            // As the real endpoint: HTTP 200 and plain text for a key it does not know.
            ? new SandboxAnswer(200, "Account Not Found") { ContentType = "text/plain" }
            : await _interceptor.BeforeAnswerAsync(request, context.RequestAborted)
                ?? new SandboxAnswer(200, $"[\"UnitsLeft\",\"{Interlocked.Read(ref _credits)}\"]");
        await AnswerAsync(context, request, answer);
    }

    /// <summary>True when this call is one more than <see cref="RateLimitPerSecond"/> in the last second.</summary>
    private bool OverRateLimit()
    {
        if (RateLimitPerSecond is not { } limit)
        {
            return false;
        }
        var now = DateTimeOffset.UtcNow;
        lock (_window)
        {
            while (_window.Count > 0 && now - _window.Peek() >= TimeSpan.FromSeconds(1))
            {
                _window.Dequeue();
            }
            if (_window.Count >= limit)
            {
                return true;
            }
            _window.Enqueue(now);
            return false;
        }
    }

    private async Task AnswerAsync(HttpContext context, SandboxRequest request, SandboxAnswer answer)
    {
        _interceptor.Answered(request, answer);
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType ?? (answer.Body.StartsWith('<') ? "text/html" : "application/json");
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }
        await context.Response.WriteAsync(answer.Body);
    }

    /// <summary>
    /// The simulated account's answer to a good call. A few first labels make the sandbox misbehave on
    /// purpose, so the pipeline's handling can be tried by hand: <c>ratelimited.</c> (429 with Retry-After 5,
    /// then the sample), <c>nocredits.</c> (402 with Retry-After 5, then the sample), <c>error.</c> (always
    /// 503), <c>malformed.</c> (always a 200 that is not JSON), <c>invalid.</c> (400) and <c>slow.</c> (the
    /// sample after 20 s). Any other domain gets its sample at once.
    /// </summary>
    public SandboxAnswer AnswerFor(string domain, bool onePerDomain)
    {
        var firstCall = _misbehaved.TryAdd(domain, true);
        return domain.Split('.')[0] switch
        {
            "ratelimited" when firstCall => SandboxAnswer.RateLimited("5"),
            "nocredits" when firstCall => SandboxAnswer.OutOfCredits() with { Headers = new Dictionary<string, string> { ["Retry-After"] = "5" } },
            "error" => SandboxAnswer.ServerError(),
            "malformed" => SandboxAnswer.Malformed(),
            "invalid" => SandboxAnswer.BadRequest(),
            "slow" => Synthetic(domain, onePerDomain) with { Delay = TimeSpan.FromSeconds(20) },
            _ => Synthetic(domain, onePerDomain),
        };
    }

    /// <summary>A deterministic simulated sample: the same domain always gets the same metrics and rows.</summary>
    public static SandboxAnswer Synthetic(string domain, bool onePerDomain = false, int? rows = null)
    {
        var seed = domain.Aggregate(17, (h, c) => unchecked((h * 31) + c)) & 0x7FFFFFFF;
        var random = new Random(seed);
        var count = rows ?? (onePerDomain ? 3 : 5 + (seed % 20));
        var backlinks = Enumerable.Range(0, count).Select(i => new Dictionary<string, object>
        {
            ["anchor"] = i % 4 == 0 ? "" : $"Simulated anchor {i} for {domain}",
            ["title"] = $"Simulated page {i} linking to {domain}",
            ["nf"] = i % 3 == 0 ? "1" : (object)0,
            ["source"] = $"https://ref{i}.sandbox.invalid/post/{i}",
            ["target"] = $"https://{domain}/",
        }).ToList();
        var follow = backlinks.Count(b => b["nf"] is 0);
        var body = new Dictionary<string, object>
        {
            ["domain"] = domain,
            ["metrics"] = new Dictionary<string, object>
            {
                ["page_count"] = random.Next(10, 5000),
                ["links_in"] = random.Next(100, 50_000),
                ["links_out"] = random.Next(10, 9000),
                ["backlinks_follow"] = follow,
                ["backlinks_nofollow"] = count - follow,
                ["nofollow_ratio"] = Math.Round(100.0 * (count - follow) / count, 1),
                ["ref_domains"] = random.Next(1, 900),
                ["links_from_gov"] = random.Next(0, 3),
                ["links_from_edu"] = random.Next(0, 5),
            },
            ["backlinks"] = backlinks,
            ["simulated"] = true, // not in the real API: clients ignore unknown fields
        };
        return new SandboxAnswer(200, JsonSerializer.Serialize(body));
    }

    public async ValueTask DisposeAsync()
    {
        // At once: a request still open (a slow. answer holds one for 20 s) is aborted, not waited for.
        using var now = new CancellationTokenSource();
        await now.CancelAsync();
        try
        {
            await _app.StopAsync(now.Token);
        }
        catch (OperationCanceledException)
        {
            // A stop asked to be at once may report that it was not graceful: that was the point.
        }
        await _app.DisposeAsync();
    }

    private sealed class NoInterceptor : ISandboxInterceptor;
}
