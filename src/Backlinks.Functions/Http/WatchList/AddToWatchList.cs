using Backlinks.Storage;
using Backlinks.Submissions;
using Backlinks.Watching;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Http.WatchList;

/// <summary>
/// <c>POST /api/watchlist</c>: watch many domains, in the formats and limits of <c>POST /api/lookups</c>.
/// JSON: <c>{"domains": […], "group", "every", "onePerDomain", "enabled"}</c>; text and CSV take
/// <c>?group=&amp;every=&amp;onePerDomain=&amp;enabled=</c>, and a CSV's <c>group</c> and <c>every</c> columns win per row.
/// </summary>
public sealed class AddToWatchList(Backlinks.Watching.WatchList watchList)
{
    [Function(nameof(AddToWatchList))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "watchlist")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (request.ContentLength > SubmissionLimits.MaxBodyBytes)
        {
            return WatchListHttp.Problem(LookupRequestParser.TooLarge());
        }
        var body = await BoundedBody.ReadAsync(request.Body, SubmissionLimits.MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return WatchListHttp.Problem(LookupRequestParser.TooLarge());
        }
        if (LookupRequestParser.FormatFor(request.ContentType, body) is not { } format)
        {
            return ApiError.Result(415, "unsupported_media_type",
                $"Content-Type '{request.ContentType}' is not supported: use application/json, text/plain or text/csv.");
        }
        if (!WatchListHttp.TryReadFlag(request, "onePerDomain", out var onePerDomain) || !WatchListHttp.TryReadFlag(request, "enabled", out var enabled))
        {
            return ApiError.Result(400, "invalid_query", "onePerDomain and enabled take true or false.");
        }
        var settings = new WatchSettings(OnePerDomain: onePerDomain, Enabled: enabled);
        if (request.Query.ContainsKey("group"))
        {
            var group = request.Query["group"].ToString();
            if (WatchRequestParser.GroupError(group) is { } groupError)
            {
                return ApiError.Result(400, "invalid_group", $"{groupError}.");
            }
            settings = settings with { Group = group };
        }
        if (request.Query.ContainsKey("every"))
        {
            if (!WatchInterval.TryParse(request.Query["every"], out var every, out var everyError))
            {
                return ApiError.Result(400, "invalid_interval", everyError);
            }
            settings = settings with { Every = every };
        }

        try
        {
            var outcome = await watchList.AddAsync(new WatchAddInput(body, format, settings), cancellationToken);
            return outcome.Status switch
            {
                WatchAddStatus.Refused => WatchListHttp.Problem(outcome.Problem!),
                WatchAddStatus.NothingValid => new BadRequestObjectResult(outcome.Response),
                _ => new OkObjectResult(outcome.Response),
            };
        }
        catch (Exception e) when (StorageFaults.IsTransient(e))
        {
            return WatchListHttp.StorageUnavailable(e);
        }
    }
}
