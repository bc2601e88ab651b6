using System.Text;
using Backlinks.DomDetailer;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.DomDetailer;

/// <summary>The client against the loopback fake: every status the API documents, slow and malformed answers.</summary>
public sealed class DomDetailerClientTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;

    private DomDetailerClient Client => _pipeline.Get<DomDetailerClient>();

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite);

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    [Fact]
    public async Task Success_returns_the_exact_bytes_and_the_parsed_response()
    {
        var result = await Client.GetBacklinksAsync("example.com", onePerDomain: false, CancellationToken.None);

        var fetched = Assert.IsType<BacklinksFetched>(result);
        Assert.Equal(_pipeline.Api.LastBodyFor("example.com"), fetched.RawJson.ToArray());
        Assert.Equal("example.com", fetched.Response.Domain);
        Assert.NotEmpty(fetched.Response.Backlinks);
    }

    [Fact]
    public async Task One_per_domain_is_sent_as_a_parameter()
    {
        var result = await Client.GetBacklinksAsync("example.com", onePerDomain: true, CancellationToken.None);

        Assert.Equal(3, Assert.IsType<BacklinksFetched>(result).Response.Backlinks.Count);
    }

    [Fact]
    public async Task Rate_limited_carries_retry_after_in_seconds()
    {
        _pipeline.Api.Script(SandboxAnswer.RateLimited("42"));

        var result = await Client.GetBacklinksAsync("example.com", false, CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(42), Assert.IsType<BacklinksRateLimited>(result).RetryAfter);
        Assert.Single(_pipeline.Api.Calls);
    }

    [Fact]
    public async Task Rate_limited_carries_retry_after_as_an_http_date()
    {
        var at = TestPipeline.Start.AddMinutes(3).ToString("R");
        _pipeline.Api.Script(SandboxAnswer.RateLimited(at));

        var result = await Client.GetBacklinksAsync("example.com", false, CancellationToken.None);

        Assert.Equal(TimeSpan.FromMinutes(3), Assert.IsType<BacklinksRateLimited>(result).RetryAfter);
    }

    [Fact]
    public async Task Out_of_credits_is_not_retried_in_process()
    {
        _pipeline.Api.Script(SandboxAnswer.OutOfCredits());

        var result = await Client.GetBacklinksAsync("example.com", false, CancellationToken.None);

        Assert.IsType<BacklinksOutOfCredits>(result);
        Assert.Single(_pipeline.Api.Calls);
    }

    [Fact]
    public async Task Bad_request_carries_the_api_error()
    {
        _pipeline.Api.Script(SandboxAnswer.BadRequest());

        var result = Assert.IsType<BacklinksInvalidRequest>(await Client.GetBacklinksAsync("example.com", false, CancellationToken.None));

        Assert.Equal("invalid_parameter", result.Error);
        Assert.Equal("domain is not valid", result.Message);
    }

    [Fact]
    public async Task A_wrong_key_is_invalid_api_key()
    {
        await using var wrongKey = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?> { ["DomDetailer:ApiKey"] = "not-the-key" });

        var result = await wrongKey.Get<DomDetailerClient>().GetBacklinksAsync("example.com", false, CancellationToken.None);

        Assert.Equal("invalid_api_key", Assert.IsType<BacklinksInvalidApiKey>(result).Error);
    }

    [Fact]
    public async Task Server_errors_are_retried_in_process_then_reported_as_transient()
    {
        _pipeline.Api.Script(SandboxAnswer.ServerError(), SandboxAnswer.ServerError(), SandboxAnswer.ServerError());

        var result = await Client.GetBacklinksAsync("example.com", false, CancellationToken.None);

        Assert.Contains("HTTP 503", Assert.IsType<BacklinksTransientFailure>(result).Reason);
        Assert.Equal(3, _pipeline.Api.Calls.Count); // one call + 2 retries (the default)
    }

    [Fact]
    public async Task A_server_error_followed_by_success_is_a_success()
    {
        _pipeline.Api.Script(SandboxAnswer.ServerError());

        var result = await Client.GetBacklinksAsync("example.com", false, CancellationToken.None);

        Assert.IsType<BacklinksFetched>(result);
        Assert.Equal(2, _pipeline.Api.Calls.Count);
    }

    [Fact]
    public async Task A_200_that_is_not_json_is_malformed_and_not_retried_in_process()
    {
        _pipeline.Api.Script(SandboxAnswer.Malformed());

        var result = await Client.GetBacklinksAsync("example.com", false, CancellationToken.None);

        Assert.Contains("not the expected JSON", Assert.IsType<BacklinksMalformed>(result).Reason);
        Assert.Single(_pipeline.Api.Calls);
    }

    [Fact]
    public async Task A_200_without_metrics_is_malformed()
    {
        _pipeline.Api.Script(SandboxAnswer.Json(200, """{"domain":"example.com","backlinks":[]}"""));

        var result = await Client.GetBacklinksAsync("example.com", false, CancellationToken.None);

        Assert.Contains("no metrics", Assert.IsType<BacklinksMalformed>(result).Reason);
    }

    [Fact]
    public async Task A_slow_answer_times_out_on_the_configured_limit_without_real_waiting()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["DomDetailer:Timeout"] = "00:02:00",
            ["DomDetailer:TransientRetries"] = "0",
        });
        pipeline.Api.Script(SandboxAnswer.Slow());

        var call = pipeline.Get<DomDetailerClient>().GetBacklinksAsync("example.com", false, CancellationToken.None);
        await pipeline.Api.WaitForCallsAsync(1);
        Assert.False(call.IsCompleted);
        pipeline.Time.Advance(TimeSpan.FromSeconds(119));
        Assert.False(call.IsCompleted);
        pipeline.Time.Advance(TimeSpan.FromSeconds(1));

        var result = await call.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("timeout", Assert.IsType<BacklinksTransientFailure>(result).Reason);
    }

    [Fact]
    public async Task A_refused_connection_is_transient()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["DomDetailer:BaseUrl"] = "http://127.0.0.1:1",
        });

        var result = await pipeline.Get<DomDetailerClient>().GetBacklinksAsync("example.com", false, CancellationToken.None);

        Assert.Contains("connection failed", Assert.IsType<BacklinksTransientFailure>(result).Reason);
    }

    [Fact]
    public async Task A_missing_api_key_is_refused_at_start_up_with_the_setting_name()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?> { ["DomDetailer:ApiKey"] = "" });

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => pipeline.Get<DomDetailerClient>());

        Assert.Contains("DomDetailer__ApiKey is not set", error.Message);
    }

    [Fact]
    public async Task The_backlinks_path_is_configurable()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["DomDetailer:BacklinksPath"] = "/api2/getBacklinks.php",
        });

        var result = await pipeline.Get<DomDetailerClient>().GetBacklinksAsync("example.com", false, CancellationToken.None);

        Assert.IsType<BacklinksFetched>(result);
        Assert.Equal(["/api2/getBacklinks.php"], pipeline.Api.Paths);
    }

    [Fact]
    public async Task An_undocumented_4xx_is_an_invalid_request_with_its_status()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["DomDetailer:BacklinksPath"] = "/api2/nowhere.php",
        });

        var result = await pipeline.Get<DomDetailerClient>().GetBacklinksAsync("example.com", false, CancellationToken.None);

        var invalid = Assert.IsType<BacklinksInvalidRequest>(result);
        Assert.Equal((404, "http_404"), (invalid.Status, invalid.Error));
    }

    [Fact]
    public void Body_bytes_survive_unchanged_including_unicode()
    {
        var body = """{"domain":"ü.com","metrics":{"page_count":1},"backlinks":[{"anchor":"Grüße","nf":0}]}""";
        Assert.True(BacklinksResponseParser.TryParse(Encoding.UTF8.GetBytes(body), out var parsed, out _));
        Assert.Equal("Grüße", parsed!.Backlinks[0].Anchor);
    }
}
