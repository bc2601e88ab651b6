using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Backlinks.Tests.Infrastructure;

/// <summary>A scripted answer of the fake API.</summary>
public sealed record FakeAnswer(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null, bool Hang = false)
{
    public static FakeAnswer Json(int status, string body) => new(status, body);

    public static FakeAnswer RateLimited(string? retryAfter = null) => new(429,
        """{"error":"rate_limited","message":"Too many requests"}""",
        retryAfter is null ? null : new Dictionary<string, string> { ["Retry-After"] = retryAfter });

    public static FakeAnswer OutOfCredits() => new(402, """{"error":"out_of_credits","message":"No credits left on this account"}""");

    public static FakeAnswer ServerError() => new(503, """{"error":"unavailable","message":"Try again later"}""");

    public static FakeAnswer BadRequest() => new(400, """{"error":"invalid_parameter","message":"domain is not valid"}""");

    public static FakeAnswer Malformed() => new(200, "<html><body>Gateway says hello</body></html>");

    /// <summary>Sends nothing until the client gives up.</summary>
    public static FakeAnswer Slow() => new(200, "", Hang: true);
}

/// <summary>
/// A loopback stand-in for the DomDetailer Backlinks API. It checks the parameters like the real one
/// (401 for a wrong key, 400 for a missing domain), answers scripted responses in order, and otherwise
/// answers a deterministic synthetic sample for the domain.
/// </summary>
public sealed class FakeDomDetailerApi : IAsyncDisposable
{
    /// <summary>The documented path, and the one some public clients use.</summary>
    public static readonly string[] BacklinksPaths = ["/api2/backlinks.php", "/api2/getBacklinks.php"];

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeAnswer> _script = new();
    private readonly ConcurrentQueue<string> _domains = new();
    private readonly ConcurrentQueue<string> _paths = new();
    private readonly ConcurrentDictionary<string, byte[]> _sentBodies = new();
    private readonly SemaphoreSlim _requestArrived = new(0);

    private FakeDomDetailerApi(WebApplication app, string apiKey)
    {
        _app = app;
        ApiKey = apiKey;
    }

    public string ApiKey { get; }

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Domains of every call to the backlinks endpoint, in order.</summary>
    public IReadOnlyList<string> Calls => _domains.ToList();

    /// <summary>The path of every call, in order.</summary>
    public IReadOnlyList<string> Paths => _paths.ToList();

    /// <summary>The exact bytes last sent for a domain's successful answer.</summary>
    public byte[] LastBodyFor(string domain) => _sentBodies[domain];

    public static async Task<FakeDomDetailerApi> StartAsync(string apiKey)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeDomDetailerApi(app, apiKey);
        foreach (var path in BacklinksPaths)
        {
            app.MapGet(path, fake.HandleAsync);
        }
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUrl = new Uri(address);
        return fake;
    }

    public void Script(params FakeAnswer[] answers)
    {
        foreach (var answer in answers)
        {
            _script.Enqueue(answer);
        }
    }

    /// <summary>Completes once <paramref name="total"/> calls have arrived (for tests that act while a call is in flight).</summary>
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

    private async Task HandleAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var domain = query["domain"].ToString();
        _domains.Enqueue(domain);
        _paths.Enqueue(context.Request.Path);
        _requestArrived.Release();

        if (query["apikey"] != ApiKey)
        {
            await WriteAsync(context, new FakeAnswer(401, """{"error":"invalid_api_key","message":"API key not found or inactive"}"""));
            return;
        }
        if (string.IsNullOrEmpty(domain) || string.IsNullOrEmpty(query["app"]))
        {
            await WriteAsync(context, new FakeAnswer(400, """{"error":"missing_parameter","message":"domain is required"}"""));
            return;
        }

        var answer = _script.TryDequeue(out var scripted) ? scripted : Synthetic(domain, query["onePerDomain"] == "1");
        if (answer.Hang)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
            return;
        }
        if (answer.Status == 200)
        {
            _sentBodies[domain] = Encoding.UTF8.GetBytes(answer.Body);
        }
        await WriteAsync(context, answer);
    }

    private static async Task WriteAsync(HttpContext context, FakeAnswer answer)
    {
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.Body.StartsWith('<') ? "text/html" : "application/json";
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }
        await context.Response.WriteAsync(answer.Body);
    }

    /// <summary>A deterministic sample: the same domain always gets the same metrics and rows.</summary>
    public static FakeAnswer Synthetic(string domain, bool onePerDomain = false, int? rows = null)
    {
        var seed = domain.Aggregate(17, (h, c) => unchecked((h * 31) + c)) & 0x7FFFFFFF;
        var random = new Random(seed);
        var count = rows ?? (onePerDomain ? 3 : 5 + (seed % 20));
        var backlinks = Enumerable.Range(0, count).Select(i => new Dictionary<string, object>
        {
            ["anchor"] = i % 4 == 0 ? "" : $"Anchor {i} for {domain}",
            ["title"] = $"Page {i} linking to {domain}",
            ["nf"] = i % 3 == 0 ? "1" : (object)0,
            ["source"] = $"https://ref{i}.example.org/post/{i}",
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
            ["extra_field_the_client_ignores"] = true,
        };
        return new FakeAnswer(200, JsonSerializer.Serialize(body));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
