using System.Net;

namespace Backlinks.Tests.DomDetailer;

/// <summary>The simulated API as <c>backlinks sandbox</c> and <c>--sandbox</c> run it (no interceptor), and its one hook.</summary>
public sealed class SandboxApiTests
{
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task Without_an_interceptor_it_checks_the_key_answers_samples_and_keeps_the_balance()
    {
        await using var sandbox = await SandboxApi.StartAsync();

        using var wrongKey = await Http.GetAsync(new Uri(sandbox.BaseUrl, "/api2/backlinks.php?apikey=nope&app=t&domain=example.com"));
        using var sample = await Http.GetAsync(new Uri(sandbox.BaseUrl, "/api2/backlinks.php?apikey=sandbox&app=t&domain=example.com"));
        using var limited = await Http.GetAsync(new Uri(sandbox.BaseUrl, "/api2/backlinks.php?apikey=sandbox&app=t&domain=ratelimited.example.com"));
        var balance = await Http.GetStringAsync(new Uri(sandbox.BaseUrl, "/api/checkBalance.php?apikey=sandbox&app=t"));
        var unknown = await Http.GetStringAsync(new Uri(sandbox.BaseUrl, "/api/checkBalance.php?apikey=nope&app=t"));

        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, sample.StatusCode);
        Assert.Equal(SandboxApi.Synthetic("example.com").Body, await sample.Content.ReadAsStringAsync());
        Assert.Equal("simulated", sample.Headers.GetValues(SandboxApi.SimulatedHeader).Single());
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(SandboxApi.CreditsPerCall, sandbox.CreditsSpent);
        Assert.Equal($"[\"UnitsLeft\",\"{1_000_000 - SandboxApi.CreditsPerCall}\"]", balance);
        Assert.Equal("Account Not Found", unknown);
    }

    [Fact]
    public async Task An_interceptor_sees_every_request_answers_only_good_calls_and_sees_what_was_sent()
    {
        var interceptor = new Replacing(new SandboxAnswer(503, """{"error":"replaced"}"""));
        await using var sandbox = await SandboxApi.StartAsync(interceptor: interceptor);

        using var wrongKey = await Http.GetAsync(new Uri(sandbox.BaseUrl, "/api2/getBacklinks.php?apikey=nope&app=t&domain=a.com"));
        using var replaced = await Http.GetAsync(new Uri(sandbox.BaseUrl, "/api2/backlinks.php?apikey=sandbox&app=t&domain=b.com&onePerDomain=1"));

        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, replaced.StatusCode);
        Assert.Equal(0, sandbox.CreditsSpent);
        Assert.Equal(["/api2/getBacklinks.php a.com", "/api2/backlinks.php b.com"], interceptor.Received);
        var asked = Assert.Single(interceptor.Asked);
        Assert.True(asked.OnePerDomain);
        Assert.EndsWith("/api2/backlinks.php?apikey=sandbox&app=t&domain=b.com&onePerDomain=1", asked.Url);
        Assert.Equal([401, 503], interceptor.Answers);
    }

    private sealed class Replacing(SandboxAnswer answer) : ISandboxInterceptor
    {
        public List<string> Received { get; } = [];

        public List<SandboxRequest> Asked { get; } = [];

        public List<int> Answers { get; } = [];

        void ISandboxInterceptor.Received(SandboxRequest request) => Received.Add($"{request.Path} {request.Domain}");

        ValueTask<SandboxAnswer?> ISandboxInterceptor.BeforeAnswerAsync(SandboxRequest request, CancellationToken cancellationToken)
        {
            Asked.Add(request);
            return ValueTask.FromResult<SandboxAnswer?>(answer);
        }

        void ISandboxInterceptor.Answered(SandboxRequest request, SandboxAnswer sent) => Answers.Add(sent.Status);
    }
}
