using Backlinks.Queries;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Http;

/// <summary><c>GET /api/status</c>: queue depth, jobs by state, the current pause, credits spent today, last known balance.</summary>
public sealed class GetStatus(AppStatusQuery status)
{
    [Function(nameof(GetStatus))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "status")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new OkObjectResult(await status.GetAsync(cancellationToken));
}
