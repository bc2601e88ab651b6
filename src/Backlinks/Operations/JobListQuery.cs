using System.Globalization;
using Azure.Data.Tables;
using Backlinks.Domains;
using Backlinks.Jobs;
using Backlinks.Links;
using Backlinks.Storage;

namespace Backlinks.Operations;

/// <summary>Which jobs to list; build it with <see cref="JobListQuery.TryCreateFilter"/>, which checks every part.</summary>
public sealed record JobListFilter(string? Status, DateTimeOffset Since, string? Domain, int Limit);

/// <summary>A job in a listing: its state, without the metrics a single job's view reads.</summary>
public sealed record JobSummaryView(
    string JobId,
    string Domain,
    string Status,
    int Attempts,
    int Retries,
    bool Force,
    DateTimeOffset CreatedAtUtc,
    DateTimeOffset UpdatedAtUtc,
    DateTimeOffset? CompletedAtUtc,
    string? WaitReason,
    DateTimeOffset? NextAttemptAtUtc,
    string? LastError,
    bool ServedFromCache)
{
    public static JobSummaryView From(JobEntity job) => new(job.JobId, job.Domain, job.Status, job.Attempts, job.Retries, job.Force,
        job.CreatedAtUtc, job.UpdatedAtUtc, job.CompletedAtUtc, job.WaitReason, job.NextAttemptAtUtc, job.LastError, job.ServedFromCache);
}

/// <summary>Jobs newest first; <see cref="Truncated"/> when more matched than the limit (narrow <c>since</c>, or raise the limit).</summary>
public sealed record JobListView(DateTimeOffset Since, string? Status, string? Domain, int Limit, bool Truncated, IReadOnlyList<JobSummaryView> Jobs);

/// <summary>
/// Lists jobs from <c>backlinkjobs</c>. The table is partitioned by creation day, so a listing reads only
/// the day partitions from <see cref="JobListFilter.Since"/> to today, newest day first, with the status,
/// domain and time filtered by the service; it stops at the first day that fills the limit.
/// </summary>
public sealed class JobListQuery(StorageClients storage, TimeProvider time)
{
    /// <summary>How far back a listing looks when no <c>since</c> is given.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(7);

    /// <summary>How far back a listing may look: one table request per day.</summary>
    public const int MaxDays = 366;

    public const int DefaultLimit = 100;

    /// <summary>How far back a job may still be open: past any wait for credits (72 h), and a key rejected for weeks.</summary>
    public static readonly TimeSpan OpenJobsWithin = TimeSpan.FromDays(30);

    public const int MaxLimit = 1000;

    /// <summary>Checks and normalizes the caller's filter; false with a one-line error for the caller to show.</summary>
    public bool TryCreateFilter(string? status, string? since, string? domain, int? limit, out JobListFilter filter, out string error)
    {
        filter = null!;
        error = "";
        var now = time.GetUtcNow();
        if (status is not null && !JobStatus.All.Contains(status))
        {
            error = $"status must be one of {string.Join(", ", JobStatus.All)}.";
            return false;
        }
        var from = now - DefaultWindow;
        if (since is not null)
        {
            if (!LinkFilters.TryParseSince(since, out from))
            {
                error = $"since must be {LinkFilters.SinceFormat}.";
                return false;
            }
            if (from < now.UtcDateTime.Date.AddDays(-(MaxDays - 1)))
            {
                error = $"since may be at most {MaxDays} days back: each day is one read of the jobs table.";
                return false;
            }
        }
        string? normalized = null;
        if (domain is not null)
        {
            var name = DomainName.Normalize(domain);
            if (name.Domain is null)
            {
                error = $"'{domain}' is not a valid domain: {name.Error}.";
                return false;
            }
            normalized = name.Domain;
        }
        if (limit is < 1 or > MaxLimit)
        {
            error = $"the limit must be a whole number from 1 to {MaxLimit}.";
            return false;
        }
        filter = new JobListFilter(status, from, normalized, limit ?? DefaultLimit);
        return true;
    }

    public async Task<JobListView> ListAsync(JobListFilter filter, CancellationToken cancellationToken)
    {
        var jobs = new List<JobSummaryView>();
        var truncated = false;
        await foreach (var job in ReadAsync(filter.Status, filter.Since, filter.Domain, cancellationToken))
        {
            if (jobs.Count == filter.Limit)
            {
                truncated = true;
                break;
            }
            jobs.Add(JobSummaryView.From(job));
        }
        return new JobListView(filter.Since, filter.Status, filter.Domain, filter.Limit, truncated, jobs);
    }

    /// <summary>True when a job created within <see cref="OpenJobsWithin"/> is queued, running or waiting; stops at the first.</summary>
    public async Task<bool> AnyOpenAsync(CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow() - OpenJobsWithin;
        // Waiting first: with only delayed messages left, a waiting job is the likely one, found in today's partition.
        foreach (var status in new[] { JobStatus.Waiting, JobStatus.Queued, JobStatus.Running })
        {
            await foreach (var _ in ReadAsync(status, since, domain: null, cancellationToken))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The matching rows, newest first, one day partition at a time (a day is read whole: the service returns it oldest first).</summary>
    public async IAsyncEnumerable<JobEntity> ReadAsync(string? status, DateTimeOffset since, string? domain,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var today = time.GetUtcNow().UtcDateTime.Date;
        for (var day = today; day >= since.UtcDateTime.Date; day = day.AddDays(-1))
        {
            var partition = day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            var query = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and CreatedAtUtc ge {since}");
            if (status is not null)
            {
                query += " and " + TableClient.CreateQueryFilter($"Status eq {status}");
            }
            if (domain is not null)
            {
                query += " and " + TableClient.CreateQueryFilter($"Domain eq {domain}");
            }
            var rows = new List<JobEntity>();
            await foreach (var row in storage.JobsTable.QueryAsync<JobEntity>(query, cancellationToken: cancellationToken))
            {
                rows.Add(row);
            }
            // Job ids are version 7 UUIDs: their text sorts by creation time.
            foreach (var row in rows.OrderByDescending(r => r.RowKey, StringComparer.Ordinal))
            {
                yield return row;
            }
        }
    }
}
