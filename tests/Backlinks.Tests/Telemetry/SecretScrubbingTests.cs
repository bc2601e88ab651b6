using System.Diagnostics;
using Backlinks.DomDetailer;
using Backlinks.Telemetry;
using Backlinks.Tests.DomDetailer;
using Backlinks.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Backlinks.Tests.Telemetry;

/// <summary>
/// The scrubbers alone: whatever a span or a log record carries (a URL with the key, an exception that quotes
/// it, in another case, encoded, cut), the exporters get it masked, and recorded URLs lose their query.
/// </summary>
[Collection(RunAloneCollection.Name)]
public sealed class SecretScrubbingTests
{
    public static TheoryData<string> Keys => [EchoedKeyTests.PlainKey, EchoedKeyTests.AwkwardKey];

    [Theory]
    [MemberData(nameof(Keys))]
    public void Spans_and_log_records_reach_the_exporters_with_the_key_masked_and_urls_without_their_query(string key)
    {
        var capture = new TelemetryCapture();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<DomDetailerOptions>().Bind(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DomDetailer:ApiKey"] = key,
        }).Build().GetSection(DomDetailerOptions.Section));
        capture.AddTo(services);
        using var provider = services.BuildServiceProvider();
        provider.StartTelemetry();

        var url = $"https://domdetailer.com/api2/backlinks.php?apikey={Uri.EscapeDataString(key)}&app=x&domain=example.com";
        var error = new HttpRequestException($"Connection refused ({url}) for key {key.ToUpperInvariant()[..10]}");
        using (var span = BacklinksTelemetry.Source.StartActivity("a span"))
        {
            span!.SetTag("url.full", url)
                .SetTag("url.query", new Uri(url).Query)
                .SetTag("some.detail", $"echoed: {key.ToLowerInvariant()}")
                .SetStatus(ActivityStatusCode.Error, $"failed calling {Uri.EscapeDataString(Uri.EscapeDataString(url))}");
            span.AddException(error);
        }
        provider.GetRequiredService<ILoggerFactory>().CreateLogger("Test").LogError(error, "Calling {Url} failed: {Key}", url, key);
        capture.Flush(provider);

        var text = capture.AllText();
        Assert.Contains("domdetailer.com/api2/backlinks.php", text);
        Assert.Contains("Connection refused", text);
        Assert.False(EchoedKeyTests.Leaks(text, key), text);
        var exported = Assert.Single(capture.Spans);
        Assert.Equal("https://domdetailer.com/api2/backlinks.php", exported.GetTagItem("url.full"));
        Assert.Null(exported.GetTagItem("url.query"));
        Assert.IsType<ScrubbedException>(Assert.Single(capture.Logs).Exception);
    }
}
