using Backlinks.Storage;

namespace Backlinks.Jobs;

/// <summary>A job as callers see it.</summary>
public sealed record JobView(
    string JobId,
    string Domain,
    string Status,
    bool OnePerDomain,
    bool Force,
    int Attempts,
    DateTimeOffset CreatedAtUtc,
    DateTimeOffset UpdatedAtUtc,
    DateTimeOffset? CompletedAtUtc,
    JobWaitView? Waiting,
    string? LastError,
    JobResultView? Result);

public sealed record JobWaitView(string Reason, DateTimeOffset? NextAttemptAtUtc);

public sealed record JobResultView(string RawBlobPath, DateTimeOffset? FetchedAtUtc, int? BacklinkRows, bool ServedFromCache, MetricsView? Metrics);

/// <summary>A stored metrics snapshot as callers see it.</summary>
public sealed record MetricsView(
    string Domain,
    DateTimeOffset FetchedAtUtc,
    string JobId,
    bool OnePerDomain,
    long PageCount,
    long LinksIn,
    long LinksOut,
    long BacklinksFollow,
    long BacklinksNofollow,
    double NofollowRatio,
    long RefDomains,
    long LinksFromGov,
    long LinksFromEdu,
    int BacklinkRows,
    string RawBlobPath)
{
    public static MetricsView From(MetricsSnapshotEntity e) => new(e.Domain, e.FetchedAtUtc, e.JobId, e.OnePerDomain,
        e.PageCount, e.LinksIn, e.LinksOut, e.BacklinksFollow, e.BacklinksNofollow, e.NofollowRatio, e.RefDomains,
        e.LinksFromGov, e.LinksFromEdu, e.BacklinkRows, e.RawBlobPath);
}

/// <summary>Read side: job status and stored metrics.</summary>
public sealed class JobQueries(StorageClients storage, JobStore jobs, MetricsStore metrics)
{
    /// <summary>The job, or null when the id is unknown.</summary>
    public async Task<JobView?> GetJobAsync(JobId id, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var job = await jobs.GetAsync(id, cancellationToken);
        if (job is null)
        {
            return null;
        }

        JobResultView? result = null;
        if (job.Status == JobStatus.Succeeded && job.RawBlobPath is not null)
        {
            var snapshot = await metrics.GetSnapshotAsync(job.Domain, job.SnapshotJobId ?? job.JobId, cancellationToken);
            result = new JobResultView(job.RawBlobPath, job.FetchedAtUtc, job.BacklinkRows, job.ServedFromCache, snapshot is null ? null : MetricsView.From(snapshot));
        }
        var waiting = job.Status == JobStatus.Waiting && job.WaitReason is not null
            ? new JobWaitView(job.WaitReason, job.NextAttemptAtUtc)
            : null;
        return new JobView(job.JobId, job.Domain, job.Status, job.OnePerDomain, job.Force, job.Attempts,
            job.CreatedAtUtc, job.UpdatedAtUtc, job.CompletedAtUtc, waiting, job.LastError, result);
    }

    /// <summary>The latest snapshot of an already normalized domain, or null when none is stored.</summary>
    public async Task<MetricsView?> GetLatestMetricsAsync(string domain, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var latest = await metrics.GetLatestAsync(domain, cancellationToken);
        return latest is null ? null : MetricsView.From(latest);
    }

    /// <summary>The latest snapshot of every domain, by domain.</summary>
    public async Task<IReadOnlyList<MetricsView>> GetAllLatestMetricsAsync(CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var rows = await metrics.GetAllLatestAsync(cancellationToken);
        return rows.OrderBy(r => r.Domain, StringComparer.Ordinal).Select(MetricsView.From).ToList();
    }

    /// <summary>Every stored snapshot of a domain, oldest first.</summary>
    public async Task<IReadOnlyList<MetricsView>> GetMetricsHistoryAsync(string domain, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var rows = await metrics.GetHistoryAsync(domain, cancellationToken);
        return rows.OrderBy(r => r.FetchedAtUtc).Select(MetricsView.From).ToList();
    }
}
