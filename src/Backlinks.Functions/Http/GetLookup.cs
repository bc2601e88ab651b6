using Backlinks.Jobs;
using Backlinks.Queries;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Http;

/// <summary><c>GET /api/lookups/{jobId}</c>: a job's status, and its metrics once it succeeded.</summary>
public sealed class GetLookup(JobQueries queries)
{
    [Function(nameof(GetLookup))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "lookups/{jobId}")] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken)
    {
        if (!JobId.TryParse(jobId, out var id))
        {
            return ApiError.Result(400, "invalid_job_id", $"'{jobId}' is not a job id: job ids are the UUIDs returned by POST /api/lookups.");
        }
        var job = await queries.GetJobAsync(id, cancellationToken);
        return job is null
            ? ApiError.Result(404, "job_not_found", $"No job has the id {id}.")
            : new OkObjectResult(job);
    }
}
