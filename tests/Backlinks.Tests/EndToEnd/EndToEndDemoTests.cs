using System.Globalization;
using System.Text;
using Backlinks.Functions.Http;
using Backlinks.Submissions;
using Backlinks.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Backlinks.Tests.EndToEnd;

/// <summary>
/// The main job end to end through the Functions classes: the sample list goes through
/// POST /api/lookups, the queue function works every message against the loopback API, and the
/// stored metrics are read back through GET /api/domains/{domain}/metrics.
/// </summary>
public sealed class EndToEndDemoTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task The_sample_list_goes_from_submission_to_stored_metrics()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite);
        var sample = await File.ReadAllTextAsync(RepoPaths.Combine("samples", "domains.txt"));

        var (status, submitted) = HttpRequests.Read(await new SubmitLookups(pipeline.Get<SubmissionService>())
            .Run(HttpRequests.Post(sample, "text/plain"), CancellationToken.None));
        Assert.Equal(202, status);
        output.WriteLine($"POST /api/lookups → {status}: {submitted.GetProperty("accepted").GetArrayLength()} jobs, " +
                         $"{submitted.GetProperty("duplicates").GetArrayLength()} duplicates, {submitted.GetProperty("rejected").GetArrayLength()} rejected");
        foreach (var rejected in submitted.GetProperty("rejected").EnumerateArray())
        {
            output.WriteLine($"  line {rejected.GetProperty("line")}: '{rejected.GetProperty("input")}' rejected: {rejected.GetProperty("reason")}");
        }

        var worked = await new QueueHostEmulator(pipeline).DrainAsync();
        output.WriteLine($"Queue worked: {worked} messages, {pipeline.Api.Calls.Count} API calls (simulated API, no credits spent)");

        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"{"domain",-20} {"links in",9} {"ref domains",11} {"follow",7} {"nofollow",8} {"nf %",6} {"rows",5}  raw JSON");
        var domains = submitted.GetProperty("accepted").EnumerateArray().Select(a => a.GetProperty("domain").GetString()!).ToList();
        foreach (var domain in domains)
        {
            var (metricsStatus, m) = HttpRequests.Read(await new GetDomainMetrics(pipeline.Get<Backlinks.Queries.JobQueries>())
                .Run(HttpRequests.Get(), domain, CancellationToken.None));
            Assert.Equal(200, metricsStatus);
            table.AppendLine(CultureInfo.InvariantCulture,
                $"{domain,-20} {m.GetProperty("linksIn").GetInt64(),9} {m.GetProperty("refDomains").GetInt64(),11} {m.GetProperty("backlinksFollow").GetInt64(),7} " +
                $"{m.GetProperty("backlinksNofollow").GetInt64(),8} {m.GetProperty("nofollowRatio").GetDouble(),6:0.0} {m.GetProperty("backlinkRows").GetInt32(),5}  " +
                $"{pipeline.Storage.RawContainer.Name}/{m.GetProperty("rawBlobPath").GetString()}");
        }
        output.WriteLine(table.ToString());

        Assert.Equal(["domdetailer.com", "example.com", "xn--bcher-kva.de", "wikipedia.org"], domains);
        Assert.Equal(domains.Count, pipeline.Api.Calls.Count);
    }
}
