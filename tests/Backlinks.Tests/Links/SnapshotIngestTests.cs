using Backlinks.Jobs;
using Backlinks.Links;
using Backlinks.Storage;
using Backlinks.Tests.Infrastructure;
using static Backlinks.Tests.Links.LinkTestData;

namespace Backlinks.Tests.Links;

/// <summary>The rules of the link tables, applied to stored snapshots against Azurite.</summary>
public sealed class SnapshotIngestTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string Domain = "example.com";
    private static readonly DateTimeOffset T1 = TestPipeline.Start;
    private static readonly DateTimeOffset T2 = T1.AddDays(1).AddTicks(1234567);
    private static readonly DateTimeOffset T3 = T1.AddDays(2);

    private TestPipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?> { ["Links:SampleCap"] = "200" });

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private StorageClients Storage => _pipeline.Storage;

    private async Task<Dictionary<string, LinkRowEntity>> RowsAsync() =>
        (await AllAsync<LinkRowEntity>(Storage.LinkRowsTable)).ToDictionary(r => r.SourceUrl);

    private Task<List<LinkChangeEntity>> ChangesAsync() => AllAsync<LinkChangeEntity>(Storage.LinkChangesTable);

    private async Task<Dictionary<string, RefDomainEntity>> RefDomainsAsync() =>
        (await AllAsync<RefDomainEntity>(Storage.RefDomainsTable)).ToDictionary(r => r.RefDomain);

    private async Task<MetricsSnapshotEntity> HistoryAsync(StoredSnapshot snapshot) =>
        (await _pipeline.Get<MetricsStore>().GetSnapshotAsync(snapshot.Domain, snapshot.JobId, CancellationToken.None))!;

    [Fact]
    public async Task The_first_snapshot_is_the_baseline_rows_and_referring_domains_without_change_rows()
    {
        var rows = LinkRows(0, 4).Append(new Row("https://WWW.Ref0.Example.org/other", $"https://{Domain}/page", 0, "", "A title"));
        var snapshot = await StoreAsync(_pipeline, Domain, rows, T1);

        var applied = await ApplyAsync(_pipeline, snapshot);

        Assert.Equal(SnapshotApplyKind.Applied, applied.Kind);
        var stored = await RowsAsync();
        Assert.Equal(5, stored.Count);
        Assert.All(stored.Values, r =>
        {
            Assert.Equal(LinkStatus.Live, r.Status);
            Assert.Equal(T1, r.FirstSeenUtc);
            Assert.Equal(T1, r.LastSeenUtc);
            Assert.Equal(snapshot.JobId, r.FirstSeenJobId);
            Assert.Equal(snapshot.JobId, r.LastSeenJobId);
            Assert.Null(r.LostAtUtc);
            Assert.Equal(Domain, r.PartitionKey);
            Assert.Equal(LinkKey.For(r.SourceUrl, r.TargetUrl), r.RowKey);
        });
        var other = stored["https://WWW.Ref0.Example.org/other"];
        Assert.Equal("ref0.example.org", other.SourceDomain);
        Assert.Equal("A title", other.Anchor); // empty anchor: the title, as the API reference says
        Assert.Empty(await ChangesAsync());

        var history = await HistoryAsync(snapshot);
        Assert.Equal((0, 0, 5, 0, false), (history.NewLinks, history.LostLinks, history.UniqueLinks, history.SkippedRows, history.IsSample));
        Assert.Equal(5, history.BacklinkRows);
        var latest = (await _pipeline.Get<MetricsStore>().GetLatestAsync(Domain, CancellationToken.None))!;
        Assert.Equal((0, 0, 5, false), (latest.NewLinks, latest.LostLinks, latest.UniqueLinks, latest.IsSample));

        var refDomains = await RefDomainsAsync();
        Assert.Equal(4, refDomains.Count);
        var ref0 = refDomains["ref0.example.org"];
        Assert.Equal((2, 1, LinkStatus.Live, "org", false, false), (ref0.LiveLinks, ref0.DofollowLinks, ref0.Status, ref0.Tld, ref0.IsGov, ref0.IsEdu));
    }

    [Fact]
    public async Task Between_two_complete_snapshots_new_and_lost_links_are_recorded_once_each()
    {
        var first = await StoreAsync(_pipeline, Domain, LinkRows(0, 5), T1);
        await ApplyAsync(_pipeline, first);
        // Links 0 and 1 are gone, 5 and 6 are new; link 2 turns nofollow.
        var second = await StoreAsync(_pipeline, Domain, LinkRows(3, 4).Append(LinkRow(2, nf: "1")), T2);

        var applied = await ApplyAsync(_pipeline, second);

        Assert.Equal((2, 2, 5, false), (applied.Metrics.NewLinks, applied.Metrics.LostLinks, applied.Metrics.UniqueLinks, applied.Metrics.IsSample));
        var rows = await RowsAsync();
        var lost = rows[LinkRow(0).Source!];
        Assert.Equal((LinkStatus.Lost, T2, T1, first.JobId), (lost.Status, lost.LostAtUtc, lost.LastSeenUtc, lost.LastSeenJobId));
        var added = rows[LinkRow(5).Source!];
        Assert.Equal((LinkStatus.Live, T2, T2, second.JobId), (added.Status, added.FirstSeenUtc, added.LastSeenUtc, added.FirstSeenJobId));
        var kept = rows[LinkRow(2).Source!];
        Assert.Equal((T1, T2, true), (kept.FirstSeenUtc, kept.LastSeenUtc, kept.Nofollow));

        var changes = await ChangesAsync();
        Assert.Equal(4, changes.Count);
        Assert.Equal([LinkRow(5).Source, LinkRow(6).Source], changes.Where(c => c.Change == LinkChange.New).Select(c => c.SourceUrl).Order());
        Assert.Equal([LinkRow(0).Source, LinkRow(1).Source], changes.Where(c => c.Change == LinkChange.Lost).Select(c => c.SourceUrl).Order());
        Assert.All(changes, c => Assert.Equal((T2, second.JobId, Domain), (c.DetectedAtUtc, c.JobId, c.Domain)));

        var refDomains = await RefDomainsAsync();
        Assert.Equal((LinkStatus.Lost, 0, T1), (refDomains["ref0.example.org"].Status, refDomains["ref0.example.org"].LiveLinks, refDomains["ref0.example.org"].LastSeenUtc));
        Assert.Equal((LinkStatus.Live, T2, T2), (refDomains["ref5.example.org"].Status, refDomains["ref5.example.org"].FirstSeenUtc, refDomains["ref5.example.org"].LastSeenUtc));
        Assert.Equal(0, refDomains["ref2.example.org"].DofollowLinks);
    }

    [Fact]
    public async Task A_lost_link_that_comes_back_is_live_again_with_a_new_change()
    {
        await ApplyAsync(_pipeline, await StoreAsync(_pipeline, Domain, LinkRows(0, 3), T1));
        await ApplyAsync(_pipeline, await StoreAsync(_pipeline, Domain, LinkRows(1, 2), T2));
        var third = await StoreAsync(_pipeline, Domain, LinkRows(0, 3), T3);

        var applied = await ApplyAsync(_pipeline, third);

        Assert.Equal((1, 0), (applied.Metrics.NewLinks, applied.Metrics.LostLinks));
        var back = (await RowsAsync())[LinkRow(0).Source!];
        Assert.Equal((LinkStatus.Live, null, T1, T3), (back.Status, back.LostAtUtc, back.FirstSeenUtc, back.LastSeenUtc));
        var changes = (await ChangesAsync()).Where(c => c.SourceUrl == LinkRow(0).Source).OrderBy(c => c.DetectedAtUtc).Select(c => (c.Change, c.DetectedAtUtc));
        Assert.Equal([(LinkChange.Lost, T2), (LinkChange.New, T3)], changes);
    }

    [Fact]
    public async Task A_capped_sample_adds_and_refreshes_but_never_loses()
    {
        await ApplyAsync(_pipeline, await StoreAsync(_pipeline, Domain, LinkRows(0, 3), T1));
        // 200 rows (the cap here): links 0–2 are missing from it, which means nothing for a sample.
        var capped = await StoreAsync(_pipeline, Domain, LinkRows(10, 200), T2);

        var applied = await ApplyAsync(_pipeline, capped);

        Assert.Equal((true, 200, 0), (applied.Metrics.IsSample, applied.Metrics.NewLinks, applied.Metrics.LostLinks));
        var rows = await RowsAsync();
        Assert.Equal(203, rows.Count);
        Assert.All(rows.Values, r => Assert.Equal(LinkStatus.Live, r.Status));
        Assert.Equal(T1, rows[LinkRow(0).Source!].LastSeenUtc);
        Assert.Equal(200, (await ChangesAsync()).Count);
    }

    [Fact]
    public async Task A_one_per_domain_snapshot_is_a_sample_too()
    {
        await ApplyAsync(_pipeline, await StoreAsync(_pipeline, Domain, LinkRows(0, 3), T1));
        var onePerDomain = await StoreAsync(_pipeline, Domain, LinkRows(1, 1), T2, onePerDomain: true);

        var applied = await ApplyAsync(_pipeline, onePerDomain);

        Assert.Equal((true, 0, 0), (applied.Metrics.IsSample, applied.Metrics.NewLinks, applied.Metrics.LostLinks));
        var rows = await RowsAsync();
        Assert.All(rows.Values, r => Assert.Equal(LinkStatus.Live, r.Status));
        Assert.Equal(T2, rows[LinkRow(1).Source!].LastSeenUtc);
        Assert.Equal(T1, rows[LinkRow(0).Source!].LastSeenUtc);
        Assert.Empty(await ChangesAsync());
    }

    [Fact]
    public async Task An_older_snapshot_processed_late_refreshes_nothing_and_loses_nothing()
    {
        var older = await StoreAsync(_pipeline, Domain, LinkRows(0, 2), T1);
        var newer = await StoreAsync(_pipeline, Domain, LinkRows(1, 3), T2);
        await ApplyAsync(_pipeline, newer);
        var before = await DumpAsync(Storage.LinkRowsTable, withTimestamps: true);

        var applied = await ApplyAsync(_pipeline, older);

        Assert.Equal(SnapshotApplyKind.Late, applied.Kind);
        Assert.Equal(before, await DumpAsync(Storage.LinkRowsTable, withTimestamps: true));
        Assert.Empty(await ChangesAsync());
        Assert.Equal((0, 0, 2), (applied.Metrics.NewLinks, applied.Metrics.LostLinks, applied.Metrics.UniqueLinks));
        Assert.Equal(2, (await _pipeline.Get<MetricsStore>().GetHistoryAsync(Domain, CancellationToken.None)).Count);
        Assert.Equal(newer.JobId, (await _pipeline.Get<MetricsStore>().GetLatestAsync(Domain, CancellationToken.None))!.JobId);
    }

    [Fact]
    public async Task A_redelivered_snapshot_writes_nothing_the_second_time()
    {
        await ApplyAsync(_pipeline, await StoreAsync(_pipeline, Domain, LinkRows(0, 3), T1));
        var second = await StoreAsync(_pipeline, Domain, LinkRows(1, 3), T2);
        await ApplyAsync(_pipeline, second);
        var before = await DumpDerivedAsync(_pipeline, withTimestamps: true);

        var again = await ApplyAsync(_pipeline, second);

        Assert.Equal(SnapshotApplyKind.AlreadyApplied, again.Kind);
        Assert.Equal((1, 1), (again.Metrics.NewLinks, again.Metrics.LostLinks));
        Assert.Equal(before, await DumpDerivedAsync(_pipeline, withTimestamps: true));
    }

    [Theory]
    [InlineData(1)] // before anything is written
    [InlineData(2)] // between two batches of change rows
    [InlineData(3)] // between the change rows and the link rows
    [InlineData(4)] // between two batches of link rows
    [InlineData(6)] // between the link rows and the referring domains
    [InlineData(7)] // between two batches of referring domains
    public async Task A_crash_between_two_batches_then_a_rerun_ends_as_one_clean_run(int failAtBatch)
    {
        // 150 links, then 150 of which half are new: 150 change rows (batches 1–2), 225 link rows (3–5) and
        // 225 referring domains (6–8), one batch at a time.
        var first = await StoreAsync(_pipeline, Domain, LinkRows(0, 150), T1);
        var second = await StoreAsync(_pipeline, Domain, LinkRows(75, 150), T2);
        await ApplyAsync(_pipeline, first);
        await using var clean = await TestPipeline.StartAsync(azurite);
        await ApplyAsync(clean, first);
        await ApplyAsync(clean, second);

        await Assert.ThrowsAsync<SimulatedCrashException>(() => CrashingIngestor(_pipeline, failAtBatch).ApplyAsync(second, CancellationToken.None));
        Assert.NotEqual(await DumpDerivedAsync(clean), await DumpDerivedAsync(_pipeline));
        var resumed = await ApplyAsync(_pipeline, second);

        Assert.Equal(SnapshotApplyKind.Applied, resumed.Kind);
        Assert.Equal((75, 75), (resumed.Metrics.NewLinks, resumed.Metrics.LostLinks));
        Assert.Equal(await DumpDerivedAsync(clean), await DumpDerivedAsync(_pipeline));
    }

    [Fact]
    public async Task After_a_crash_the_next_writer_finishes_the_half_written_snapshot_before_its_own()
    {
        var first = await StoreAsync(_pipeline, Domain, LinkRows(0, 150), T1);
        var crashed = await StoreAsync(_pipeline, Domain, LinkRows(75, 150), T2);
        var next = await StoreAsync(_pipeline, Domain, LinkRows(100, 150), T3);
        await ApplyAsync(_pipeline, first);
        await using var clean = await TestPipeline.StartAsync(azurite);
        foreach (var snapshot in new[] { first, crashed, next })
        {
            await ApplyAsync(clean, snapshot);
        }

        await Assert.ThrowsAsync<SimulatedCrashException>(() => CrashingIngestor(_pipeline, 3).ApplyAsync(crashed, CancellationToken.None));
        _pipeline.Time.Advance(TimeSpan.FromMinutes(3)); // the crashed writer's lease runs out
        await ApplyAsync(_pipeline, next);

        Assert.Equal(await DumpDerivedAsync(clean), await DumpDerivedAsync(_pipeline));
        Assert.Equal(75, (await HistoryAsync(crashed)).NewLinks);
    }

    [Fact]
    public async Task Repeated_rows_nf_spellings_empty_and_huge_anchors_control_characters_and_rows_without_urls()
    {
        var huge = new string('x', 100_000);
        var rows = new Row[]
        {
            new("https://a.example.org/1", $"https://{Domain}/", "1", "first"),
            new("https://a.example.org/1", $"https://{Domain}/", 0, "repeated"),
            new("https://b.example.org/2", $"https://{Domain}/", "0", ""),
            new("https://c.example.org/3", $"https://{Domain}/", 1, huge, huge),
            new("https://d.example.org/4", $"https://{Domain}/x?q=1#top", 0, "tab\there\u0001bell", "line\nbreak"),
            new(null, $"https://{Domain}/"),
            new("https://e.example.org/5", null),
            new("", $"https://{Domain}/"),
            new("https://" + huge + ".example.org/", $"https://{Domain}/", 0),
        };
        var snapshot = await StoreAsync(_pipeline, Domain, rows, T1);

        var applied = await ApplyAsync(_pipeline, snapshot);

        Assert.Equal((9, 5, 3), (applied.Metrics.BacklinkRows, applied.Metrics.UniqueLinks, applied.Metrics.SkippedRows));
        var stored = await RowsAsync();
        Assert.Equal(5, stored.Count);
        Assert.Equal(("first", true), (stored["https://a.example.org/1"].Anchor, stored["https://a.example.org/1"].Nofollow));
        Assert.Equal(("title", false), (stored["https://b.example.org/2"].Anchor, stored["https://b.example.org/2"].Nofollow));
        var c = stored["https://c.example.org/3"];
        Assert.Equal((LinkText.MaxTextLength, LinkText.MaxTextLength, true), (c.Anchor.Length, c.Title.Length, c.Nofollow));
        var d = stored["https://d.example.org/4"];
        Assert.Equal(("tab\there\u0001bell", "line\nbreak", $"https://{Domain}/x?q=1#top"), (d.Anchor, d.Title, d.TargetUrl));
        var longHost = Assert.Single(stored.Values, r => r.SourceUrl.Length == LinkText.MaxUrlLength);
        Assert.Equal("", longHost.SourceDomain); // not a host a key can hold: no referring-domain row
        Assert.Equal(LinkKey.For("https://" + huge + ".example.org/", $"https://{Domain}/"), longHost.RowKey);
        Assert.Equal(4, (await RefDomainsAsync()).Count);
    }

    [Fact]
    public async Task The_job_writes_the_link_tables_and_puts_the_counts_on_its_metrics_rows()
    {
        _pipeline.Api.Script(SandboxAnswer.Json(200, Answer(Domain, LinkRows(0, 4).Append(new Row(null, "x")))));
        var job = await _pipeline.CreateJobAsync(Domain);

        Assert.Equal(JobOutcomeKind.Succeeded, (await _pipeline.RunJobAsync(job)).Kind);

        Assert.Equal(4, (await RowsAsync()).Count);
        var history = (await _pipeline.Get<MetricsStore>().GetSnapshotAsync(Domain, job.ToString(), CancellationToken.None))!;
        Assert.Equal((0, 0, 4, 1, false), (history.NewLinks, history.LostLinks, history.UniqueLinks, history.SkippedRows, history.IsSample));
        Assert.Equal(4, (await _pipeline.Get<MetricsStore>().GetLatestAsync(Domain, CancellationToken.None))!.UniqueLinks);

        // A redelivery of the finished job neither calls the API nor writes anything.
        var before = await DumpDerivedAsync(_pipeline, withTimestamps: true);
        var redelivered = await _pipeline.Get<JobProcessor>().ProcessAsync(JobMessage.For((await _pipeline.Get<JobStore>().GetAsync(job, CancellationToken.None))!).ToJson(), CancellationToken.None);
        Assert.Equal(JobOutcomeKind.Skipped, redelivered.Kind);
        Assert.Single(_pipeline.Api.Calls);
        Assert.Equal(before, await DumpDerivedAsync(_pipeline, withTimestamps: true));
    }
}
