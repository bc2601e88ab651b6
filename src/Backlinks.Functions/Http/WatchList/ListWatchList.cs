using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Http.WatchList;

/// <summary>The answer of <c>GET /api/watchlist</c>.</summary>
public sealed record WatchListPage(string? Group, int Count, IReadOnlyList<Backlinks.Watching.WatchEntryView> Entries);

/// <summary><c>GET /api/watchlist[?group=]</c>: every watched domain (of one group), by domain.</summary>
public sealed class ListWatchList(Backlinks.Watching.WatchList watchList)
{
    [Function(nameof(ListWatchList))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "watchlist")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var group = request.Query.ContainsKey("group") ? request.Query["group"].ToString() : null;
        var entries = await watchList.ListAsync(group, cancellationToken);
        return new OkObjectResult(new WatchListPage(group, entries.Count, entries));
    }
}
