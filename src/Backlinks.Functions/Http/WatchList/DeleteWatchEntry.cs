using Backlinks.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Http.WatchList;

/// <summary><c>DELETE /api/watchlist/{domain}</c>: stop watching a domain (its snapshots stay). 204, or 404 when it is not watched.</summary>
public sealed class DeleteWatchEntry(Backlinks.Watching.WatchList watchList)
{
    [Function(nameof(DeleteWatchEntry))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "watchlist/{domain}")] HttpRequest request,
        string domain,
        CancellationToken cancellationToken)
    {
        if (!WatchListHttp.TryDomain(domain, out var normalized, out var invalid))
        {
            return invalid!;
        }
        try
        {
            return await watchList.RemoveAsync(normalized, cancellationToken)
                ? new NoContentResult()
                : ApiError.Result(404, "not_watched", $"{normalized} is not on the watch list.");
        }
        catch (Exception e) when (StorageFaults.IsTransient(e))
        {
            return WatchListHttp.StorageUnavailable(e);
        }
    }
}
