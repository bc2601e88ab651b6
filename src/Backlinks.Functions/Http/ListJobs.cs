using Backlinks.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Http;

/// <summary>
/// <c>GET /api/jobs?status=&amp;since=&amp;domain=&amp;top=</c> (admin key): jobs newest first, from the day
/// partitions since <c>since</c> (default: the last 7 days); <c>top</c> caps the list (default 100, at most 1000).
/// </summary>
public sealed class ListJobs(JobListQuery listing)
{
    [Function(nameof(ListJobs))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "jobs")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var query = request.Query;
        int? top = null;
        if (query["top"].ToString() is { Length: > 0 } topText)
        {
            if (!int.TryParse(topText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                return ApiError.Result(400, "invalid_query", $"top must be a whole number from 1 to {JobListQuery.MaxLimit}.");
            }
            top = parsed;
        }
        if (!listing.TryCreateFilter(Optional(query["status"]), Optional(query["since"]), Optional(query["domain"]), top, out var filter, out var error))
        {
            return ApiError.Result(400, "invalid_query", error);
        }
        return new OkObjectResult(await listing.ListAsync(filter, cancellationToken));
    }

    private static string? Optional(Microsoft.Extensions.Primitives.StringValues value) => value.Count == 0 ? null : value.ToString();
}
