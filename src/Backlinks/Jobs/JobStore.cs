using Azure;
using Azure.Data.Tables;
using Backlinks.Storage;

namespace Backlinks.Jobs;

/// <summary>The job rows in <c>backlinkjobs</c>.</summary>
public sealed class JobStore(StorageClients storage)
{
    public Task InsertAsync(IEnumerable<JobEntity> jobs, CancellationToken cancellationToken) =>
        TableBatches.SubmitAsync(storage.JobsTable, jobs, TableTransactionActionType.Add, cancellationToken);

    /// <summary>Adds one row; false when a row with its id is already there.</summary>
    public async Task<bool> TryAddAsync(JobEntity job, CancellationToken cancellationToken)
    {
        try
        {
            var response = await storage.JobsTable.AddEntityAsync(job, cancellationToken);
            job.ETag = response.Headers.ETag ?? job.ETag;
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public async Task<JobEntity?> GetAsync(JobId id, CancellationToken cancellationToken)
    {
        var row = await storage.JobsTable.GetEntityIfExistsAsync<JobEntity>(id.PartitionKey, id.ToString(), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Replaces the row if nobody changed it since it was read; false when someone did.</summary>
    public async Task<bool> TryReplaceAsync(JobEntity job, CancellationToken cancellationToken)
    {
        try
        {
            var response = await storage.JobsTable.UpdateEntityAsync(job, job.ETag, TableUpdateMode.Replace, cancellationToken);
            job.ETag = response.Headers.ETag ?? job.ETag;
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false;
        }
    }
}
