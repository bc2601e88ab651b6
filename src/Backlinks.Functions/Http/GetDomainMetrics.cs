using Backlinks.Domains;
using Backlinks.Jobs;
using Backlinks.Queries;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Http;

/// <summary><c>GET /api/domains/{domain}/metrics</c>: the latest stored metrics of a domain.</summary>
public sealed class GetDomainMetrics(JobQueries queries)
{
    [Function(nameof(GetDomainMetrics))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "domains/{domain}/metrics")] HttpRequest request,
        string domain,
        CancellationToken cancellationToken)
    {
        var normalized = DomainName.Normalize(domain);
        if (!normalized.IsValid)
        {
            return ApiError.Result(400, "invalid_domain", $"'{domain}' is not a valid domain: {normalized.Error}.");
        }
        var metrics = await queries.GetLatestMetricsAsync(normalized.Domain!, cancellationToken);
        return metrics is null
            ? ApiError.Result(404, "metrics_not_found", $"No metrics are stored for {normalized.Domain} yet.")
            : new OkObjectResult(metrics);
    }
}
