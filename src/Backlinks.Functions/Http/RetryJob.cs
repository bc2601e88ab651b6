using Backlinks.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Http;

/// <summary>
/// <c>POST /api/jobs/{jobId}/retry</c> (admin key): a failed job goes back to the queue as a new attempt of
/// the same job (force unchanged), and its poisoned message is removed. 409 when the job is not failed.
/// </summary>
public sealed class RetryJob(JobOperations operations)
{
    [Function(nameof(RetryJob))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "jobs/{jobId}/retry")] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken) =>
        JobOperationResults.RunAsync(jobId, id => operations.RetryAsync(id, cancellationToken), "job_not_failed");
}
