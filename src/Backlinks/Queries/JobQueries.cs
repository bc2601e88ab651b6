using Backlinks.Jobs;
using Backlinks.Storage;

namespace Backlinks.Queries;

/// <summary>Read side: job status and stored metrics.</summary>
public sealed class JobQueries(JobStore jobs, MetricsStore metrics)
{
    /// <summary>The job, or null when the id is unknown.</summary>
    public async Task<JobView?> GetJobAsync(JobId id, CancellationToken cancellationToken)
    {
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
            job.CreatedAtUtc, job.UpdatedAtUtc, job.CompletedAtUtc, waiting, job.LastError, result,
            job.ServedFromCache, job.SnapshotJobId, job.Retries);
    }

    /// <summary>The latest snapshot of an already normalized domain, or null when none is stored.</summary>
    public async Task<MetricsView?> GetLatestMetricsAsync(string domain, CancellationToken cancellationToken)
    {
        var latest = await metrics.GetLatestAsync(domain, cancellationToken);
        return latest is null ? null : MetricsView.From(latest);
    }

    /// <summary>The latest snapshot of every domain, by domain.</summary>
    public async Task<IReadOnlyList<MetricsView>> GetAllLatestMetricsAsync(CancellationToken cancellationToken)
    {
        var rows = await metrics.GetAllLatestAsync(cancellationToken);
        return rows.OrderBy(r => r.Domain, StringComparer.Ordinal).Select(MetricsView.From).ToList();
    }

    /// <summary>Every stored snapshot of a domain, oldest first.</summary>
    public async Task<IReadOnlyList<MetricsView>> GetMetricsHistoryAsync(string domain, CancellationToken cancellationToken)
    {
        var rows = await metrics.GetHistoryAsync(domain, cancellationToken);
        return rows.OrderBy(r => r.FetchedAtUtc).Select(MetricsView.From).ToList();
    }
}
