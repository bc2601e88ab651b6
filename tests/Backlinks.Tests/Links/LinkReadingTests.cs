using System.Text;
using System.Text.Json;
using Backlinks.Cli.Commands;
using Backlinks.Cli.Hosting;
using Backlinks.Functions.Http;
using Backlinks.Jobs;
using Backlinks.Links;
using Backlinks.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using static Backlinks.Tests.Links.LinkTestData;

namespace Backlinks.Tests.Links;

/// <summary>Reading the link tables back: <c>backlinks links</c>, <c>backlinks refdomains</c> and GET /api/domains/{domain}/backlinks.</summary>
public sealed class LinkReadingTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string Domain = "example.com";
    private static readonly Row Tricky = new("https://tricky.example.net/a,b?q=\"x\"", $"https://{Domain}/", "1", "Say \"hi\", then\r\nleave", "T");

    private TestPipeline _pipeline = null!;

    public async Task InitializeAsync()
    {
        _pipeline = await TestPipeline.StartAsync(azurite);
        await FetchAsync(LinkRows(0, 5).Append(Tricky));
        await FetchAsync(LinkRows(2, 5).Append(Tricky)); // 0 and 1 lost, 5 and 6 new
    }

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private async Task FetchAsync(IEnumerable<Row> rows)
    {
        _pipeline.Time.Advance(TimeSpan.FromHours(25));
        _pipeline.Api.Script(SandboxAnswer.Json(200, Answer(Domain, rows)));
        Assert.Equal(JobOutcomeKind.Succeeded, (await _pipeline.RunJobAsync(await _pipeline.CreateJobAsync(Domain))).Kind);
    }

    [Fact]
    public async Task Links_csv_is_rfc_4180_with_a_header_and_one_record_per_link()
    {
        var run = await CliRunner.RunAsync(_pipeline, "links", "www.example.com", "--csv");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.EndsWith("\r\n", run.Output);
        var records = ParseCsv(run.Output);
        Assert.Equal(LinksCommand.LinkColumns, records[0]);
        Assert.Equal(6, records.Count - 1); // the live links: 2–6 and the tricky one
        Assert.All(records, r => Assert.Equal(LinksCommand.LinkColumns.Length, r.Count));
        var tricky = records.Single(r => r[1] == Tricky.Source);
        Assert.Equal(("Say \"hi\", then\r\nleave", "true", "live", "tricky.example.net"), (tricky[4], tricky[6], tricky[13], tricky[3]));
        Assert.Contains("\"Say \"\"hi\"\", then\r\nleave\"", run.Output);

        var lost = ParseCsv((await CliRunner.RunAsync(_pipeline, "links", Domain, "--status", "lost", "--csv")).Output);
        Assert.Equal([LinkRow(0).Source, LinkRow(1).Source], lost.Skip(1).Select(r => r[1]).Order());
        Assert.All(lost.Skip(1), r => Assert.NotEqual("", r[14]));
    }

    [Fact]
    public async Task Links_lists_changes_as_json_and_refdomains_lists_referring_hosts()
    {
        var changes = await CliRunner.RunAsync(_pipeline, "links", Domain, "--changes", "new", "--json");
        Assert.Equal(ExitCodes.Ok, changes.ExitCode);
        var items = JsonDocument.Parse(changes.Output).RootElement;
        Assert.Equal([LinkRow(5).Source, LinkRow(6).Source], items.EnumerateArray().Select(i => i.GetProperty("sourceUrl").GetString()).Order());

        var future = await CliRunner.RunAsync(_pipeline, "links", Domain, "--changes", "lost", "--since", "2099-01-01", "--json");
        Assert.Equal(0, JsonDocument.Parse(future.Output).RootElement.GetArrayLength());

        var refDomains = await CliRunner.RunAsync(_pipeline, "refdomains", Domain, "--json");
        Assert.Equal(ExitCodes.Ok, refDomains.ExitCode);
        var hosts = JsonDocument.Parse(refDomains.Output).RootElement.EnumerateArray().ToDictionary(h => h.GetProperty("refDomain").GetString()!);
        Assert.Equal(8, hosts.Count);
        Assert.Equal(("lost", 0), (hosts["ref0.example.org"].GetProperty("status").GetString(), hosts["ref0.example.org"].GetProperty("liveLinks").GetInt32()));
        Assert.Equal(("live", 1, "net"), (hosts["tricky.example.net"].GetProperty("status").GetString(), hosts["tricky.example.net"].GetProperty("liveLinks").GetInt32(),
            hosts["tricky.example.net"].GetProperty("tld").GetString()));

        var csv = ParseCsv((await CliRunner.RunAsync(_pipeline, "refdomains", Domain, "--csv")).Output);
        Assert.Equal(RefDomainsCommand.Columns, csv[0]);
        Assert.Equal(9, csv.Count);
    }

    [Theory]
    [InlineData("links", "example.com", "--status", "gone")]
    [InlineData("links", "example.com", "--status", "live", "--changes", "new")]
    [InlineData("links", "example.com", "--csv", "--json")]
    [InlineData("links", "localhost")]
    [InlineData("links", "example.com", "--since", "yesterday")]
    [InlineData("refdomains", "not a domain")]
    public async Task Bad_arguments_are_one_line_errors_with_a_non_zero_exit(params string[] args)
    {
        var run = await CliRunner.RunAsync(_pipeline, args);

        Assert.NotEqual(ExitCodes.Ok, run.ExitCode);
        Assert.DoesNotContain("   at ", run.Output);
    }

    private static HttpRequest Get(string query)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.QueryString = new QueryString(query);
        return context.Request;
    }

    private async Task<(int Status, JsonElement Body)> CallAsync(string domain, string query) =>
        HttpRequests.Read(await new GetDomainBacklinks(_pipeline.Get<LinkQueries>()).Run(Get(query), domain, CancellationToken.None));

    [Fact]
    public async Task The_http_api_pages_through_links_with_a_continuation_token()
    {
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var (status, body) = await CallAsync("WWW.EXAMPLE.COM", "?top=4" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)));
            Assert.Equal(200, status);
            Assert.Equal(("example.com", "live"), (body.GetProperty("domain").GetString(), body.GetProperty("status").GetString()));
            var items = body.GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(items.Count, 1, 4);
            seen.AddRange(items.Select(i => i.GetProperty("sourceUrl").GetString()!));
            token = body.GetProperty("continuationToken").GetString();
            pages++;
        }
        while (token is not null);

        Assert.Equal(2, pages);
        Assert.Equal(6, seen.Distinct().Count());
        Assert.Equal(6, seen.Count);

        var (_, lost) = await CallAsync(Domain, "?change=lost");
        Assert.Equal([LinkRow(0).Source, LinkRow(1).Source], lost.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sourceUrl").GetString()).Order());
        Assert.All(lost.GetProperty("items").EnumerateArray(), i => Assert.Equal("lost", i.GetProperty("change").GetString()));

        var (_, since) = await CallAsync(Domain, "?status=lost&since=2099-01-01");
        Assert.Equal(0, since.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("example.com", "?status=dead", "invalid_query")]
    [InlineData("example.com", "?change=gained", "invalid_query")]
    [InlineData("example.com", "?status=live&change=new", "invalid_query")]
    [InlineData("example.com", "?top=0", "invalid_query")]
    [InlineData("example.com", "?top=1001", "invalid_query")]
    [InlineData("example.com", "?top=ten", "invalid_query")]
    [InlineData("example.com", "?since=soon", "invalid_query")]
    [InlineData("example.com", "?continuationToken=%25%25%25", "invalid_continuation_token")]
    [InlineData("localhost", "", "invalid_domain")]
    public async Task Bad_queries_are_400_with_an_error_code(string domain, string query, string error)
    {
        var (status, body) = await CallAsync(domain, query);

        Assert.Equal(400, status);
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
    }

    /// <summary>A strict RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks; records end in CRLF.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') { quoted = false; }
                else { field.Append(c); }
            }
            else if (c == '"') { Assert.Equal(0, field.Length); quoted = true; }
            else if (c == ',') { record.Add(field.ToString()); field.Clear(); }
            else if (c == '\r') { Assert.Equal('\n', text[++i]); record.Add(field.ToString()); field.Clear(); records.Add(record); record = []; }
            else { Assert.NotEqual('\n', c); field.Append(c); }
        }
        Assert.False(quoted);
        Assert.Empty(record);
        return records;
    }
}
