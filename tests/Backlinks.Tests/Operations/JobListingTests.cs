using Backlinks.Jobs;
using Backlinks.Operations;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Operations;

/// <summary>Listing jobs reads the day partitions it needs, filters in the service, and puts the newest first.</summary>
public sealed class JobListingTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite);

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private JobListQuery Listing => _pipeline.Get<JobListQuery>();

    private JobListFilter Filter(string? status = null, string? since = null, string? domain = null, int? limit = null)
    {
        Assert.True(Listing.TryCreateFilter(status, since, domain, limit, out var filter, out var error), error);
        return filter;
    }

    /// <summary>Jobs created on 28 Nov (two), 1 Dec and 8 Dec 2026; the clock ends on 8 Dec.</summary>
    private async Task<(JobId Old, JobId OldFailed, JobId Middle, JobId Newest)> CreateOverTwoWeeksAsync()
    {
        var old = await _pipeline.CreateJobAsync("old.com");
        _pipeline.Time.Advance(TimeSpan.FromMinutes(1));
        var oldFailed = await _pipeline.CreateJobAsync("failing.com");
        var row = (await _pipeline.Get<JobStore>().GetAsync(oldFailed, CancellationToken.None))!;
        row.MarkFailed("the API refused the request", _pipeline.Time.GetUtcNow());
        Assert.True(await _pipeline.Get<JobStore>().TryReplaceAsync(row, CancellationToken.None));
        _pipeline.Time.Advance(TimeSpan.FromDays(3));
        var middle = await _pipeline.CreateJobAsync("middle.com");
        _pipeline.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromHours(1));
        var newest = await _pipeline.CreateJobAsync("www.Newest.com");
        return (old, oldFailed, middle, newest);
    }

    [Fact]
    public async Task A_listing_reads_only_the_day_partitions_since_its_date_newest_first()
    {
        var (_, _, middle, newest) = await CreateOverTwoWeeksAsync();
        _pipeline.StorageRequests.Reset();

        var list = await Listing.ListAsync(Filter(since: "2026-12-01"), CancellationToken.None);

        Assert.Equal([newest.ToString(), middle.ToString()], list.Jobs.Select(j => j.JobId));
        Assert.False(list.Truncated);
        // One query per day from 1 Dec to 8 Dec, each naming its partition: no scan of the table.
        var jobsTable = _pipeline.Settings["Storage:JobsTable"]!;
        var reads = _pipeline.StorageRequests.Log.Where(r => r.Resource == jobsTable).Select(r => Uri.UnescapeDataString(r.Path)).ToList();
        Assert.Equal(8, reads.Count);
        Assert.Equal(Enumerable.Range(0, 8).Select(d => $"PartitionKey eq '202612{8 - d:00}'"), reads.Select(r => System.Text.RegularExpressions.Regex.Match(r, "PartitionKey eq '\\d{8}'").Value));
    }

    [Fact]
    public async Task The_default_window_is_the_last_7_days()
    {
        var (_, _, _, newest) = await CreateOverTwoWeeksAsync();

        var list = await Listing.ListAsync(Filter(), CancellationToken.None);

        Assert.Equal([newest.ToString()], list.Jobs.Select(j => j.JobId));
        Assert.Equal(_pipeline.Time.GetUtcNow() - JobListQuery.DefaultWindow, list.Since);
    }

    [Fact]
    public async Task Status_and_domain_filter_the_rows_and_the_limit_says_when_more_matched()
    {
        var (old, oldFailed, _, newest) = await CreateOverTwoWeeksAsync();

        var failed = await Listing.ListAsync(Filter(status: "failed", since: "2026-11-20"), CancellationToken.None);
        var byDomain = await Listing.ListAsync(Filter(domain: "https://newest.com/page", since: "2026-11-20"), CancellationToken.None);
        var limited = await Listing.ListAsync(Filter(since: "2026-11-20", limit: 3), CancellationToken.None);

        var job = Assert.Single(failed.Jobs);
        Assert.Equal((oldFailed.ToString(), "failed", "the API refused the request"), (job.JobId, job.Status, job.LastError));
        Assert.Equal(newest.ToString(), Assert.Single(byDomain.Jobs).JobId);
        Assert.Equal("newest.com", byDomain.Domain);
        Assert.Equal(3, limited.Jobs.Count);
        Assert.True(limited.Truncated);
        Assert.DoesNotContain(old.ToString(), limited.Jobs.Select(j => j.JobId));
    }

    [Theory]
    [InlineData("done", null, null, null, "status must be one of queued, running, waiting, succeeded, failed, cancelled.")]
    [InlineData(null, "last week", null, null, "since must be a date (2026-11-01) or an ISO 8601 time (2026-11-01T12:00:00Z).")]
    [InlineData(null, "2024-01-01", null, null, "since may be at most 366 days back: each day is one read of the jobs table.")]
    [InlineData(null, null, "localhost", null, "'localhost' is not a valid domain")]
    [InlineData(null, null, null, 0, "the limit must be a whole number from 1 to 1000.")]
    public void A_bad_filter_is_refused_with_one_clear_line(string? status, string? since, string? domain, int? limit, string expected)
    {
        Assert.False(Listing.TryCreateFilter(status, since, domain, limit, out _, out var error));
        Assert.StartsWith(expected, error);
    }
}
