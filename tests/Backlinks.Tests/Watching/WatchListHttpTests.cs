using System.Text;
using Backlinks.Functions.Http.WatchList;
using Backlinks.Functions.Timer;
using Backlinks.Tests.Infrastructure;
using Backlinks.Watching;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Backlinks.Tests.Watching;

/// <summary>The watch list functions against real Azurite: answers, error shapes, and what is stored.</summary>
public sealed class WatchListHttpTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite);

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private WatchList WatchList => _pipeline.Get<WatchList>();

    private static HttpRequest Request(string method, string body = "", string? contentType = "application/json", string query = "")
    {
        var request = HttpRequests.Post(body, contentType, query);
        request.Method = method;
        return request;
    }

    private Task<IActionResult> Put(string domain, string body, string? contentType = "application/json") =>
        new PutWatchEntry(WatchList).Run(Request("PUT", body, contentType), domain, CancellationToken.None);

    private Task<IActionResult> Delete(string domain) =>
        new DeleteWatchEntry(WatchList).Run(Request("DELETE", contentType: null), domain, CancellationToken.None);

    private Task<IActionResult> Post(string body, string? contentType, string query = "") =>
        new AddToWatchList(WatchList).Run(Request("POST", body, contentType, query), CancellationToken.None);

    private async Task<(int Status, System.Text.Json.JsonElement Body)> List(string query = "") =>
        HttpRequests.Read(await new ListWatchList(WatchList).Run(Request("GET", contentType: null, query: query), CancellationToken.None));

    [Fact]
    public async Task Put_adds_an_entry_with_defaults_then_edits_only_the_fields_given()
    {
        var (created, entry) = HttpRequests.Read(await Put("https://www.Example.com/", """{"group":"clients"}"""));

        Assert.Equal(201, created);
        Assert.Equal(("example.com", "clients", "7d", false, true), (entry.GetProperty("domain").GetString(), entry.GetProperty("group").GetString(),
            entry.GetProperty("every").GetString(), entry.GetProperty("onePerDomain").GetBoolean(), entry.GetProperty("enabled").GetBoolean()));
        Assert.Equal(TestPipeline.Start, entry.GetProperty("nextDueUtc").GetDateTimeOffset());

        var (edited, after) = HttpRequests.Read(await Put("example.com", """{"every":"12h","enabled":false}"""));

        Assert.Equal(200, edited);
        Assert.Equal(("clients", "12h", false), (after.GetProperty("group").GetString(), after.GetProperty("every").GetString(), after.GetProperty("enabled").GetBoolean()));
    }

    [Theory]
    [InlineData("""{"every":"weekly"}""", "invalid_interval", "12h, 1d, 7d")]
    [InlineData("""{"every":"30m"}""", "invalid_interval", "d.hh:mm:ss")]
    [InlineData("""{"every":"00:30:00"}""", "invalid_interval", "at least 1 hour")]
    [InlineData("""{"every":7}""", "invalid_interval", "12h, 1d, 7d")]
    [InlineData("""{"enabled":"yes"}""", "invalid_field", "\"enabled\" must be true or false")]
    [InlineData("""{"group":3}""", "invalid_field", "\"group\" must be a string")]
    [InlineData("""{"group":""", "malformed_json", "not valid JSON")]
    [InlineData("""["x"]""", "malformed_json", "JSON object")]
    public async Task Put_refuses_bad_settings_with_a_400_and_writes_nothing(string body, string error, string message)
    {
        var (status, problem) = HttpRequests.Read(await Put("example.com", body));

        Assert.Equal(400, status);
        Assert.Equal(error, problem.GetProperty("error").GetString());
        Assert.Contains(message, problem.GetProperty("message").GetString());
        Assert.Null(await _pipeline.Get<WatchListStore>().GetAsync("example.com", CancellationToken.None));
    }

    [Fact]
    public async Task Put_refuses_an_invalid_domain_and_a_non_json_body()
    {
        var (status, problem) = HttpRequests.Read(await Put("exa_mple.com", "{}"));
        Assert.Equal((400, "invalid_domain"), (status, problem.GetProperty("error").GetString()));

        var (unsupported, _) = HttpRequests.Read(await Put("example.com", "group=x", "application/x-www-form-urlencoded"));
        Assert.Equal(415, unsupported);
    }

    [Fact]
    public async Task Delete_removes_a_watched_domain_and_answers_404_for_an_unknown_one()
    {
        await Put("example.com", "{}");

        Assert.IsType<NoContentResult>(await Delete("WWW.example.com"));
        var (status, problem) = HttpRequests.Read(await Delete("example.com"));

        Assert.Equal(404, status);
        Assert.Equal("not_watched", problem.GetProperty("error").GetString());
        Assert.Equal("example.com is not on the watch list.", problem.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Get_lists_every_entry_or_one_group()
    {
        await Put("a.com", """{"group":"clients"}""");
        await Put("b.com", """{"group":"competitors:acme"}""");
        await Put("c.com", """{"group":"clients"}""");

        var (status, all) = await List();
        var (_, clients) = await List("?group=clients");

        Assert.Equal(200, status);
        Assert.Equal(3, all.GetProperty("count").GetInt32());
        Assert.Equal(["a.com", "c.com"], clients.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("domain").GetString()));
        Assert.Equal("clients", clients.GetProperty("group").GetString());
    }

    [Fact]
    public async Task Post_csv_takes_group_and_every_per_row_and_rejects_bad_rows_by_line()
    {
        const string csv = "domain,group,every\nacme.com,clients,1d\nglobex.net,,\nrival.io,competitors:acme,00:30:00\nexa_mple.com,clients,1d\n";

        var (status, body) = HttpRequests.Read(await Post(csv, "text/csv", "?group=default&every=12h"));

        Assert.Equal(200, status);
        var added = body.GetProperty("added").EnumerateArray().ToDictionary(e => e.GetProperty("domain").GetString()!, e => (e.GetProperty("group").GetString(), e.GetProperty("every").GetString()));
        Assert.Equal(new Dictionary<string, (string?, string?)> { ["acme.com"] = ("clients", "1d"), ["globex.net"] = ("default", "12h") }, added);
        var rejected = body.GetProperty("rejected").EnumerateArray().ToDictionary(r => r.GetProperty("line").GetInt32(), r => r.GetProperty("reason").GetString());
        Assert.Equal([4, 5], rejected.Keys.Order());
        Assert.Contains("at least 1 hour", rejected[4]);
    }

    [Fact]
    public async Task Post_json_takes_the_settings_for_every_domain_and_a_repeat_changes_nothing()
    {
        const string json = """{"domains":["a.com","https://A.com/x","b.org","localhost"],"group":"clients","every":"1d","onePerDomain":true}""";

        var (status, body) = HttpRequests.Read(await Post(json, "application/json"));
        var (_, repeat) = HttpRequests.Read(await Post(json, "application/json"));

        Assert.Equal(200, status);
        Assert.Equal(["a.com", "b.org"], body.GetProperty("added").EnumerateArray().Select(e => e.GetProperty("domain").GetString()).Order());
        Assert.All(body.GetProperty("added").EnumerateArray(), e => Assert.True(e.GetProperty("onePerDomain").GetBoolean()));
        Assert.Equal(1, body.GetProperty("duplicates").GetArrayLength());
        Assert.Equal(1, body.GetProperty("rejected").GetArrayLength());
        Assert.Equal((0, 2), (repeat.GetProperty("added").GetArrayLength(), repeat.GetProperty("unchanged").GetArrayLength()));
    }

    [Theory]
    [InlineData("a.com\n", "text/plain", "?every=1week", 400, "invalid_interval")]
    [InlineData("a.com\n", "text/plain", "?onePerDomain=maybe", 400, "invalid_query")]
    [InlineData("""{"domains":["a.com"],"every":"10m"}""", "application/json", "", 400, "invalid_interval")]
    [InlineData("localhost\n", "text/plain", "", 400, "no_valid_domains")]
    [InlineData("", "text/plain", "", 400, "no_domains")]
    [InlineData("a.com", "application/xml", "", 415, "unsupported_media_type")]
    public async Task Post_refuses_what_post_lookups_refuses_and_bad_settings(string body, string contentType, string query, int expected, string error)
    {
        var (status, problem) = HttpRequests.Read(await Post(body, contentType, query));

        Assert.Equal(expected, status);
        Assert.Equal(error, problem.GetProperty("error").GetString());
        Assert.Empty(await WatchList.ListAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task Post_refuses_a_body_over_the_limit_with_413()
    {
        var big = new StringBuilder();
        while (big.Length <= Backlinks.Submissions.SubmissionLimits.MaxBodyBytes)
        {
            big.Append("example.com\n");
        }

        var (status, problem) = HttpRequests.Read(await Post(big.ToString(), "text/plain"));

        Assert.Equal((413, "body_too_large"), (status, problem.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task The_timer_function_queues_the_due_entries()
    {
        await Put("example.com", "{}");

        await new RefreshWatchList(_pipeline.Get<WatchListRefresher>()).Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);

        Assert.NotNull((await _pipeline.Get<WatchListStore>().GetAsync("example.com", CancellationToken.None))!.LastJobId);
        Assert.Equal(1, (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
