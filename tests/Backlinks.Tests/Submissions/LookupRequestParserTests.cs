using System.Text;
using Backlinks.Submissions;

namespace Backlinks.Tests.Submissions;

public class LookupRequestParserTests
{
    private static ParsedSubmission Parse(string body, SubmissionFormat format, bool onePerDomain = false, bool force = false) =>
        LookupRequestParser.Parse(Encoding.UTF8.GetBytes(body), format, onePerDomain, force);

    [Fact]
    public void Json_with_one_domain_is_the_webhook_case()
    {
        var parsed = Parse("""{"domain":"example.com","onePerDomain":true,"force":true}""", SubmissionFormat.Json);

        var request = Assert.IsType<LookupRequest>(parsed.Request);
        Assert.Equal("example.com", Assert.Single(request.Inputs).Value);
        Assert.True(request.OnePerDomain);
        Assert.True(request.Force);
    }

    [Fact]
    public void Json_with_many_domains_keeps_non_strings_for_rejection()
    {
        var parsed = Parse("""{"domains":["a.com","b.com",42]}""", SubmissionFormat.Json);

        Assert.Equal(["a.com", "b.com", "42"], parsed.Request!.Inputs.Select(i => i.Value));
        Assert.False(parsed.Request.OnePerDomain);
    }

    [Theory]
    [InlineData("not json", "malformed_json")]
    [InlineData("[\"a.com\"]", "malformed_json")]
    [InlineData("{}", "missing_domain")]
    [InlineData("""{"domain":"a.com","domains":["b.com"]}""", "missing_domain")]
    [InlineData("""{"domain":5}""", "invalid_field")]
    [InlineData("""{"domains":"a.com"}""", "invalid_field")]
    [InlineData("""{"domain":"a.com","onePerDomain":"yes"}""", "invalid_field")]
    [InlineData("""{"domains":[]}""", "no_domains")]
    public void Malformed_json_is_a_400_with_a_specific_error(string body, string error)
    {
        var problem = Parse(body, SubmissionFormat.Json).Problem;

        Assert.NotNull(problem);
        Assert.Equal(400, problem.StatusCode);
        Assert.Equal(error, problem.Error);
    }

    [Fact]
    public void Plain_text_is_one_domain_per_line_with_line_numbers_skipping_blanks_and_comments()
    {
        var parsed = Parse("# my list\r\nexample.com\n\n  https://www.other.org/  \n", SubmissionFormat.Lines, onePerDomain: true);

        Assert.Equal([("example.com", 2), ("https://www.other.org/", 4)],
            parsed.Request!.Inputs.Select(i => (i.Value, i.Line!.Value)));
        Assert.True(parsed.Request.OnePerDomain);
    }

    [Fact]
    public void Csv_uses_the_domain_column_when_there_is_a_header()
    {
        var parsed = Parse("name,Domain,notes\nShop,shop.example.com,\"has, comma\"\nBlog,blog.example.com,x\n", SubmissionFormat.Csv);

        Assert.Equal([("shop.example.com", 2), ("blog.example.com", 3)],
            parsed.Request!.Inputs.Select(i => (i.Value, i.Line!.Value)));
    }

    [Fact]
    public void Csv_without_a_domain_header_uses_the_first_column()
    {
        var parsed = Parse("example.com,12\n\"other.org\",7\n", SubmissionFormat.Csv);

        Assert.Equal(["example.com", "other.org"], parsed.Request!.Inputs.Select(i => i.Value));
    }

    [Fact]
    public void Csv_with_unbalanced_quotes_is_a_400()
    {
        var problem = Parse("domain\n\"broken.com\n", SubmissionFormat.Csv).Problem;

        Assert.Equal("malformed_csv", problem!.Error);
    }

    [Fact]
    public void More_than_the_domain_limit_is_a_413()
    {
        var body = string.Join('\n', Enumerable.Range(0, SubmissionLimits.MaxDomains + 1).Select(i => $"d{i}.com"));

        var problem = Parse(body, SubmissionFormat.Lines).Problem;

        Assert.Equal(413, problem!.StatusCode);
        Assert.Equal("too_many_domains", problem.Error);
    }

    [Fact]
    public void A_body_over_the_byte_limit_is_a_413()
    {
        var problem = LookupRequestParser.Parse(new byte[SubmissionLimits.MaxBodyBytes + 1], SubmissionFormat.Lines).Problem;

        Assert.Equal(413, problem!.StatusCode);
    }

    [Fact]
    public void Invalid_utf8_is_a_400()
    {
        var problem = LookupRequestParser.Parse(new byte[] { 0x61, 0xFF, 0xFE, 0x0A }, SubmissionFormat.Lines).Problem;

        Assert.Equal("invalid_encoding", problem!.Error);
    }

    [Theory]
    [InlineData("application/json", "x", SubmissionFormat.Json)]
    [InlineData("application/json; charset=utf-8", "x", SubmissionFormat.Json)]
    [InlineData("application/vnd.api+json", "x", SubmissionFormat.Json)]
    [InlineData("text/plain", "{", SubmissionFormat.Lines)]
    [InlineData("text/csv", "x", SubmissionFormat.Csv)]
    [InlineData(null, "  {\"domain\":\"a.com\"}", SubmissionFormat.Json)]
    [InlineData(null, "a.com", SubmissionFormat.Lines)]
    public void Content_type_selects_the_format(string? contentType, string body, SubmissionFormat expected)
    {
        Assert.Equal(expected, LookupRequestParser.FormatFor(contentType, Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void Unsupported_content_type_has_no_format()
    {
        Assert.Null(LookupRequestParser.FormatFor("application/xml", "<x/>"u8));
    }
}
