using System.Net.Http.Headers;
using System.Text;
using Backlinks.DomDetailer;

namespace Backlinks.Tests.DomDetailer;

public class ParsingTests
{
    private const string DocumentedExample = """
        { "domain": "domdetailer.com", "metrics": { "page_count": 364, "links_in": 504, "links_out": 2114, "backlinks_follow": 469,
          "backlinks_nofollow": 35, "nofollow_ratio": 6.9, "ref_domains": 215, "links_from_gov": 0, "links_from_edu": 0 },
          "backlinks": [ { "anchor": "Domdetailer.com", "title": "Domdetailer.com", "nf": 1, "source": "https://bestfew.com/elementor-test/", "target": "https://domdetailer.com/" },
                         { "anchor": "", "title": "https://domdetailer.com/", "nf": "0", "source": "https://docu.gsa-online.de/x", "target": "https://domdetailer.com/", "new_field": [1,2] } ] }
        """;

    [Fact]
    public void Reads_the_documented_example_tolerantly()
    {
        Assert.True(BacklinksResponseParser.TryParse(Encoding.UTF8.GetBytes(DocumentedExample), out var response, out var error), error);

        Assert.Equal(364, response!.Metrics!.PageCount);
        Assert.Equal(6.9, response.Metrics.NofollowRatio);
        Assert.Equal(215, response.Metrics.RefDomains);
        Assert.Equal(2, response.Backlinks.Count);
        Assert.True(response.Backlinks[0].IsNofollow);
        Assert.False(response.Backlinks[1].IsNofollow);
        Assert.Equal("https://domdetailer.com/", response.Backlinks[1].Anchor);
    }

    [Theory]
    [InlineData("<html>oops</html>", "not the expected JSON")]
    [InlineData("""{"domain":"a.com","backlinks":[]}""", "no metrics")]
    [InlineData("null", "no metrics")]
    [InlineData("""{"metrics":{"page_count":"many"}}""", "not the expected JSON")]
    public void A_body_that_is_not_the_documented_json_is_malformed(string body, string reason)
    {
        Assert.False(BacklinksResponseParser.TryParse(Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Retry_after_in_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(120), RetryAfter.From(RetryConditionHeaderValue.Parse("120"), DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Retry_after_as_an_http_date_is_relative_to_now()
    {
        var now = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
        var header = RetryConditionHeaderValue.Parse("Sat, 28 Nov 2026 10:05:30 GMT");

        Assert.Equal(TimeSpan.FromSeconds(330), RetryAfter.From(header, now));
    }

    [Fact]
    public void Retry_after_longer_than_an_hour_is_read_as_an_hour()
    {
        var now = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromHours(1), RetryAfter.From(RetryConditionHeaderValue.Parse("999999999"), now));
        Assert.Equal(TimeSpan.FromHours(1), RetryAfter.From(RetryConditionHeaderValue.Parse("Sat, 01 Jan 2050 00:00:00 GMT"), now));
        Assert.Equal(TimeSpan.FromSeconds(3599), RetryAfter.From(RetryConditionHeaderValue.Parse("3599"), now));
    }

    [Fact]
    public void Retry_after_in_the_past_means_now_and_absent_means_unknown()
    {
        var now = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.Zero, RetryAfter.From(RetryConditionHeaderValue.Parse("Fri, 27 Nov 2026 10:00:00 GMT"), now));
        Assert.Null(RetryAfter.From(null, now));
    }

    [Fact]
    public void Redactor_removes_the_key_raw_and_url_encoded()
    {
        const string key = "k+y/with=chars";
        var text = $"GET /api2/backlinks.php?apikey={Uri.EscapeDataString(key)}&app=x failed; key was {key}";

        var redacted = SecretRedactor.Redact(text, key);

        Assert.DoesNotContain(key, redacted);
        Assert.DoesNotContain(Uri.EscapeDataString(key), redacted);
        Assert.Contains("apikey=***", redacted);
    }
}
