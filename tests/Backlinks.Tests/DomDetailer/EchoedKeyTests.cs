using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Backlinks.DomDetailer;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.DomDetailer;

/// <summary>
/// Answers that echo the request, and with it the key, in the shapes servers and gateways use. Whatever
/// the client returns or logs holds no run of the key, in any case or encoding.
/// </summary>
public sealed class EchoedKeyTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    /// <summary>Like the key in issue #11; every run of six holds a letter that is not hex, so no id or hash can hold one by chance.</summary>
    public const string PlainKey = "HX7fQa9cZe5bWd4aQZ";

    /// <summary>A key whose characters change when URL-encoded: '+' vs space, '/', '=', '%', '&amp;', '#', '?'.</summary>
    public const string AwkwardKey = SecretRedactorTests.AwkwardKey;

    public static TheoryData<string> Keys => new(PlainKey, AwkwardKey);

    /// <summary>Error answers that quote the request, by name.</summary>
    public static readonly Dictionary<string, Func<SandboxRequest, SandboxAnswer>> Echoes = new()
    {
        ["400 JSON message with the full URL"] = request => Json(400, "invalid_parameter", $"cannot serve GET {request.Url}"),
        ["400 JSON message with the decoded key, lower-cased"] = request => Json(400, "invalid_parameter", $"no account for key {Key(request).ToLowerInvariant()}"),
        ["400 JSON message with the key form-encoded, lower-case escapes"] = request => Json(400, "invalid_parameter", $"apikey: {LowerEscapes(WebUtility.UrlEncode(Key(request)))}"),
        ["400 JSON message with the URL encoded twice"] = request => Json(400, "invalid_parameter", $"see /login?next={Uri.EscapeDataString(Uri.EscapeDataString(request.Url))}"),
        ["400 JSON message of 1,000 characters with the key across the 300 kept"] = request => Json(400, "invalid_parameter", new string('.', 290) + Key(request) + new string('.', 700)),
        ["400 JSON error field with the key upper-cased"] = request => Json(400, $"bad_key_{Key(request).ToUpperInvariant()}", "x"),
        ["400 HTML page with the URL across byte 200"] = request => new SandboxAnswer(400, HtmlAcross200(request.Url)),
        ["400 plain text with the URL lower-cased"] = request => new SandboxAnswer(400, "Bad request: " + request.Url.ToLowerInvariant()) { ContentType = "text/plain" },
        ["404 HTML page with the URL"] = request => new SandboxAnswer(404, $"<html><body>Not found: {WebUtility.HtmlEncode(request.Url)}</body></html>"),
        ["401 JSON message with the decoded key"] = request => Json(401, "invalid_api_key", $"API key {Key(request)} not found or inactive"),
        ["401 JSON message with the key cut to its first 8 characters"] = request => Json(401, "invalid_api_key", $"API key {Key(request)[..8]}… not found"),
        ["401 JSON message with the key's last 7 characters"] = request => Json(401, "invalid_api_key", $"key ending {Key(request)[^7..]} is inactive"),
        ["403 HTML page with the URL"] = request => new SandboxAnswer(403, HtmlAcross200(request.Url)),
        ["403 JSON message with the URL"] = request => Json(403, "forbidden", $"GET {request.Url} is forbidden"),
        ["200 HTML page with the URL (malformed)"] = request => new SandboxAnswer(200, HtmlAcross200(request.Url)),
    };

    public static TheoryData<string, string> KeysAndEchoes
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var key in new[] { PlainKey, AwkwardKey })
            {
                foreach (var echo in Echoes.Keys)
                {
                    data.Add(key, echo);
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(KeysAndEchoes))]
    public async Task An_echoed_key_reaches_neither_the_result_nor_the_logs(string key, string echo)
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, apiKey: key, recordTraces: true);
        pipeline.Api.Script(ScriptedAnswer.From(Echoes[echo]));

        var result = await pipeline.Get<DomDetailerClient>().GetBacklinksAsync("example.com", false, CancellationToken.None);

        var text = result + "\n" + pipeline.AllDiagnosticText();
        Assert.False(Leaks(text, key), text);
        Assert.Single(pipeline.Api.Calls);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public async Task The_api_error_object_is_kept_with_the_key_masked(string key)
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, apiKey: key, recordTraces: true);
        pipeline.Api.Script(ScriptedAnswer.From(Echoes["400 JSON message with the full URL"]));

        var result = Assert.IsType<BacklinksInvalidRequest>(await pipeline.Get<DomDetailerClient>().GetBacklinksAsync("example.com", false, CancellationToken.None));

        Assert.Equal(400, result.Status);
        Assert.Equal("invalid_parameter", result.Error);
        Assert.StartsWith($"cannot serve GET {pipeline.Api.BaseUrl}api2/backlinks.php?apikey=***", result.Message);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public async Task A_body_that_is_not_the_error_object_is_described_never_quoted(string key)
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, apiKey: key, recordTraces: true);
        pipeline.Api.Script(ScriptedAnswer.From(Echoes["400 HTML page with the URL across byte 200"]));

        var result = Assert.IsType<BacklinksInvalidRequest>(await pipeline.Get<DomDetailerClient>().GetBacklinksAsync("example.com", false, CancellationToken.None));

        Assert.Equal("http_400", result.Error);
        Assert.Matches(@"^HTTP 400 with a body that is not the API's JSON error object \(\d+ bytes\)$", result.Message);
    }

    [Fact]
    public async Task A_403_is_a_rejected_key_that_says_403()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, apiKey: PlainKey, recordTraces: true);
        pipeline.Api.Script(ScriptedAnswer.From(Echoes["403 HTML page with the URL"]), SandboxAnswer.Json(401, """{"error":"invalid_api_key","message":"API key not found or inactive"}"""));
        var client = pipeline.Get<DomDetailerClient>();

        var forbidden = Assert.IsType<BacklinksInvalidApiKey>(await client.GetBacklinksAsync("example.com", false, CancellationToken.None));
        var unauthorized = Assert.IsType<BacklinksInvalidApiKey>(await client.GetBacklinksAsync("example.com", false, CancellationToken.None));

        Assert.Equal(403, forbidden.Status);
        Assert.Equal(401, unauthorized.Status);
        Assert.Equal(("invalid_api_key", "API key not found or inactive"), (unauthorized.Error, unauthorized.Message));
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public async Task A_successful_answer_that_holds_the_key_is_masked_before_anyone_keeps_it(string key)
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, apiKey: key, recordTraces: true);
        pipeline.Api.Script(ScriptedAnswer.From(request =>
        {
            var sample = SandboxApi.Synthetic("example.com");
            var url = JsonSerializer.Serialize(request.Url); // as a JSON string: '+' and '&' escaped
            return sample with { Body = sample.Body.Replace("\"https://ref1.sandbox.invalid/post/1\"", url, StringComparison.Ordinal) };
        }));

        var fetched = Assert.IsType<BacklinksFetched>(await pipeline.Get<DomDetailerClient>().GetBacklinksAsync("example.com", false, CancellationToken.None));

        var raw = Encoding.UTF8.GetString(fetched.RawJson.Span);
        var strings = string.Join('\n', fetched.Response.Backlinks.SelectMany(b => new[] { b.Source, b.Target, b.Anchor, b.Title }));
        Assert.False(Leaks(raw + "\n" + strings + "\n" + pipeline.AllDiagnosticText(), key, SecretRedactor.MinFragmentInData), raw);
        Assert.Contains(fetched.Response.Backlinks, b => b.Source is { } source && source.Contains("apikey=***", StringComparison.Ordinal));
        Assert.Contains(pipeline.Logs.GetSnapshot(), r => r.Message.Contains("held the API key", StringComparison.Ordinal));
        Assert.NotNull(fetched.Response.Metrics);
    }

    public static TheoryData<string, string> BalanceEchoes => new()
    {
        { PlainKey, "Account Not Found for key {0}" },
        { PlainKey, "account not found: {1}" },
        { AwkwardKey, "ACCOUNT NOT FOUND ({0})" },
        { AwkwardKey, "<html>Account not found for {1}</html>" },
    };

    /// <summary>{0}: the key as received; {1}: the request URL as sent.</summary>
    [Theory]
    [MemberData(nameof(BalanceEchoes))]
    public async Task A_plain_text_balance_answer_is_a_rejected_key_and_is_not_quoted(string key, string format)
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, apiKey: key, recordTraces: true);
        pipeline.Api.ScriptBalance(ScriptedAnswer.Echo(200, request => string.Format(format, Key(request), request.Url), "text/plain"));

        var result = await pipeline.Get<DomDetailerClient>().GetBalanceAsync(CancellationToken.None);

        Assert.Equal("HTTP 200 \"Account Not Found\"", Assert.IsType<BalanceInvalidApiKey>(result).Detail);
        Assert.False(Leaks(result + "\n" + pipeline.AllDiagnosticText(), key));
        Assert.Single(pipeline.Api.BalanceCalls);
    }

    /// <summary>No run of the key, in any case or encoding, and no <c>apikey</c> value left unmasked.</summary>
    public static bool Leaks(string text, string key, int minimum = SecretRedactor.MinFragment) =>
        SecretRedactorTests.Leaks(text, key, minimum) || Regex.IsMatch(text, @"api_?key(=|%3D|%253D|"":"")(?!\*\*\*)[^&\s""<]", RegexOptions.IgnoreCase);

    private static SandboxAnswer Json(int status, string error, string message) =>
        new(status, JsonSerializer.Serialize(new { error, message }));

    private static string Key(SandboxRequest request) => request.Query["apikey"].ToString();

    /// <summary>A page that quotes the URL so that the key starts at byte 191 and straddles byte 200, where the old code cut its excerpt.</summary>
    private static string HtmlAcross200(string url)
    {
        var head = "<html><head><title>400 Bad Request</title></head><body><h1>Bad Request</h1><p>The gateway could not route ";
        var keyAt = url.IndexOf("apikey=", StringComparison.Ordinal) + "apikey=".Length;
        return head + new string('.', 191 - head.Length - keyAt) + url + "</p></body></html>";
    }

    private static string LowerEscapes(string text) => Regex.Replace(text, "%[0-9A-F]{2}", m => m.Value.ToLowerInvariant());
}
