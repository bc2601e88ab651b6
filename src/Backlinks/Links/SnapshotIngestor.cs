using Azure.Data.Tables;
using Backlinks.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backlinks.Links;

/// <summary>What applying a snapshot came to.</summary>
public enum SnapshotApplyKind
{
    /// <summary>Written to the link tables and the metrics tables.</summary>
    Applied,

    /// <summary>A newer snapshot of the domain was already applied: the metrics rows are written, the links are left alone.</summary>
    Late,

    /// <summary>This very snapshot was applied before (a redelivery, a second replay): nothing to write.</summary>
    AlreadyApplied,
}

/// <param name="Metrics">The history row of the snapshot, with its link counts.</param>
/// <param name="EntitiesWritten">Table entities written: link rows, change rows, referring domains, metrics rows.</param>
public sealed record SnapshotApplied(MetricsSnapshotEntity Metrics, SnapshotApplyKind Kind, int EntitiesWritten = 0);

/// <summary>
/// Applies one stored snapshot to every derived table: the three link tables, then the metrics history
/// and latest rows. The one call the job makes after storing the raw answer, that replay makes for each
/// raw blob, and that a resumed job makes for a blob it stored before a crash.
/// <para>
/// Safe to repeat and to crash anywhere: per domain one writer at a time (<see cref="DomainWriterLease"/>);
/// change rows are written before link rows and referring domains, and the metrics history row last. That history row, with its link counts, is the record that the snapshot was applied.
/// </para>
/// </summary>
public sealed partial class SnapshotIngestor(
    LinkTables tables,
    MetricsStore metrics,
    RawSnapshots raw,
    IOptions<LinkOptions> options,
    TimeProvider time,
    ILogger<SnapshotIngestor> logger)
{
    private readonly LinkOptions _options = options.Value;

    /// <param name="latestAsRead">The domain's latest metrics row as the caller read it, if it did: its ETag saves a read.</param>
    public async Task<SnapshotApplied> ApplyAsync(StoredSnapshot snapshot, CancellationToken cancellationToken, LatestRowAsRead? latestAsRead = null)
    {
        var lease = await DomainWriterLease.AcquireAsync(tables.Control, time, _options, snapshot, cancellationToken);
        if (lease.Unfinished is { } unfinishedPath)
        {
            // A writer crashed half-way through another snapshot of this domain: finish it first, so
            // the tables end as one clean run of both would leave them.
            if (await raw.TryReadAsync(unfinishedPath, cancellationToken) is { Domain: var d } unfinished && d == snapshot.Domain)
            {
                LogFinishingUnfinished(logger, snapshot.Domain, unfinished.JobId, unfinishedPath);
                await lease.RenewAsync(unfinishedPath, cancellationToken);
                await ApplyHeldAsync(unfinished, lease, cancellationToken);
            }
            await lease.RenewAsync(snapshot.RawBlobPath, cancellationToken);
        }

        // No release on failure: the row keeps naming this snapshot for whoever comes next.
        var applied = await ApplyHeldAsync(snapshot, lease, cancellationToken, latestAsRead);
        await lease.ReleaseAsync(cancellationToken);
        return applied;
    }

    /// <summary>True for a history row written by this ingest (rows from before it have no link counts).</summary>
    public static bool IsApplied(MetricsSnapshotEntity history) => history.IsSample is not null;

    private async Task<SnapshotApplied> ApplyHeldAsync(StoredSnapshot snapshot, DomainWriterLease lease, CancellationToken cancellationToken,
        LatestRowAsRead? latestAsRead = null)
    {
        var at = SnapshotStamp.Of(snapshot);
        var domain = snapshot.Domain;
        var history = await metrics.GetHistoryAsync(domain, cancellationToken);
        var applied = history.Where(IsApplied).ToList();

        if (applied.FirstOrDefault(h => h.JobId == at.JobId && h.FetchedAtUtc == at.FetchedAtUtc) is { } done)
        {
            // A crash between the history row and the latest row left the latest behind: bring it up.
            if (await metrics.GetLatestAsync(domain, cancellationToken) is not { } latest || latest.FetchedAtUtc < done.FetchedAtUtc)
            {
                await metrics.SaveAsync(done, cancellationToken);
            }
            return new SnapshotApplied(done, SnapshotApplyKind.AlreadyApplied);
        }

        var links = SnapshotLinks.From(snapshot.Response);
        var sample = snapshot.OnePerDomain || links.Rows >= _options.SampleCap;
        var others = applied.Where(h => h.JobId != at.JobId).ToList();
        var row = MetricsSnapshotEntity.ForHistory(domain, at.JobId, snapshot.OnePerDomain, at.FetchedAtUtc, snapshot.Response, snapshot.RawBlobPath);
        row.UniqueLinks = links.Links.Count;
        row.SkippedRows = links.SkippedRows;
        row.IsSample = sample;
        row.NewLinks = 0;
        row.LostLinks = 0;

        var kind = SnapshotApplyKind.Late;
        var written = 0;
        if (!others.Any(h => new SnapshotStamp(h.FetchedAtUtc, h.JobId).IsAfter(at)))
        {
            (var plan, written) = await WriteLinksAsync(snapshot, at, links, baseline: others.Count == 0, sample, lease, cancellationToken);
            row.NewLinks = plan.NewLinks;
            row.LostLinks = plan.LostLinks;
            kind = SnapshotApplyKind.Applied;
        }
        else
        {
            LogLate(logger, domain, at.JobId, at.FetchedAtUtc);
        }

        // The commit: from here on the snapshot counts as applied.
        await metrics.SaveAsync(row, latestAsRead, cancellationToken);
        return new SnapshotApplied(row, kind, written + 2);
    }

    private async Task<(LinkPlan Plan, int Written)> WriteLinksAsync(StoredSnapshot snapshot, SnapshotStamp at, SnapshotLinks links, bool baseline, bool sample,
        DomainWriterLease lease, CancellationToken cancellationToken)
    {
        var domain = snapshot.Domain;
        var existingTask = tables.ReadRowsAsync(domain, cancellationToken);
        var refDomainsTask = tables.ReadRefDomainsAsync(domain, cancellationToken);
        var existing = await existingTask;
        var recorded = LinkPlan.IsResumed(existing.Values, at) ? await tables.ReadChangesAsync(domain, at, cancellationToken) : null;
        var plan = LinkPlan.Compute(domain, at, links, existing, recorded, baseline, sample);

        var refDomains = await refDomainsTask;
        var refDomainWrites = RefDomainRollup.From(domain, plan.RowsAfter.Values)
            .Where(r => !refDomains.TryGetValue(r.RowKey, out var before) || !before.SameAs(r))
            .ToList();

        // Change rows first: once any link row shows this snapshot, its change rows are all there. Link rows
        // and referring domains then go together: the rollup is computed from the plan, not from what is
        // stored, so a re-run computes the same referring domains whichever of them a crash interrupted.
        await WriteAsync(tables.Changes, plan.ChangeWrites, cancellationToken);
        await lease.RenewAsync(snapshot.RawBlobPath, cancellationToken);
        await WriteAsync([.. Batches(tables.Rows, plan.RowWrites), .. Batches(tables.RefDomains, refDomainWrites)], cancellationToken);
        await lease.RenewAsync(snapshot.RawBlobPath, cancellationToken);
        var written = plan.RowWrites.Count + plan.ChangeWrites.Count + refDomainWrites.Count;
        LogApplied(logger, domain, at.JobId, links.Links.Count, plan.NewLinks, plan.LostLinks, written);
        return (plan, written);
    }

    private Task WriteAsync<T>(TableClient table, IReadOnlyList<T> entities, CancellationToken cancellationToken)
        where T : ITableEntity =>
        TableBatches.SubmitAsync(table, entities, TableTransactionActionType.UpsertReplace, _options.WriteConcurrency, cancellationToken);

    /// <summary>Batches of several tables in one pool, <see cref="LinkOptions.WriteConcurrency"/> in flight, in the order given.</summary>
    private Task WriteAsync(IReadOnlyList<(TableClient Table, IReadOnlyList<ITableEntity> Batch)> batches, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = _options.WriteConcurrency, CancellationToken = cancellationToken },
            async (batch, token) => await batch.Table.SubmitTransactionAsync(
                batch.Batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), token));

    private static IEnumerable<(TableClient Table, IReadOnlyList<ITableEntity> Batch)> Batches<T>(TableClient table, IEnumerable<T> entities)
        where T : ITableEntity =>
        TableBatches.Plan(entities.Cast<ITableEntity>()).Select(batch => (table, batch));

    [LoggerMessage(Level = LogLevel.Information, Message = "Links of {Domain} from job {JobId}: {Links} links, {NewLinks} new, {LostLinks} lost, {Writes} rows written")]
    private static partial void LogApplied(ILogger logger, string domain, string jobId, int links, int newLinks, int lostLinks, int writes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Snapshot of {Domain} from job {JobId} ({FetchedAt:u}) is older than one already applied: links left as they are")]
    private static partial void LogLate(ILogger logger, string domain, string jobId, DateTimeOffset fetchedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Finishing the snapshot of {Domain} from job {JobId} ({Path}) that a crashed writer left half-written")]
    private static partial void LogFinishingUnfinished(ILogger logger, string domain, string jobId, string path);
}
