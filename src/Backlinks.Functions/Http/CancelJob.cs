using Backlinks.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Http;

/// <summary>
/// <c>POST /api/jobs/{jobId}/cancel</c> (admin key): a queued or waiting job ends <c>cancelled</c> and its
/// message is dropped when it arrives. 409 when the job is running or already final.
/// </summary>
public sealed class CancelJob(JobOperations operations)
{
    [Function(nameof(CancelJob))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "jobs/{jobId}/cancel")] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken) =>
        JobOperationResults.RunAsync(jobId, id => operations.CancelAsync(id, cancellationToken), "job_not_cancellable");
}
