using Backlinks.Storage;
using Backlinks.Submissions;
using Backlinks.Watching;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Http.WatchList;

/// <summary>
/// <c>PUT /api/watchlist/{domain}</c> with <c>{group, every, onePerDomain, enabled}</c>: watch a domain or edit
/// its entry. A field left out keeps its value (its default for a new entry): 201 when added, 200 otherwise.
/// </summary>
public sealed class PutWatchEntry(Backlinks.Watching.WatchList watchList)
{
    private const int MaxBodyBytes = 16 * 1024;

    [Function(nameof(PutWatchEntry))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "watchlist/{domain}")] HttpRequest request,
        string domain,
        CancellationToken cancellationToken)
    {
        if (!WatchListHttp.TryDomain(domain, out var normalized, out var invalid))
        {
            return invalid!;
        }
        var body = request.ContentLength > MaxBodyBytes ? null : await BoundedBody.ReadAsync(request.Body, MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return ApiError.Result(413, "body_too_large", $"The body is larger than {MaxBodyBytes} bytes: it holds four settings.");
        }
        var mediaType = request.ContentType?.Split(';', 2)[0].Trim();
        if (body.Length > 0 && LookupRequestParser.FormatFor(request.ContentType, body) != SubmissionFormat.Json && !string.IsNullOrEmpty(mediaType))
        {
            return ApiError.Result(415, "unsupported_media_type", $"Content-Type '{request.ContentType}' is not supported: use application/json.");
        }
        if (WatchRequestParser.ReadJsonSettings(body, new WatchSettings(), out var problem) is not { } settings)
        {
            return WatchListHttp.Problem(problem!);
        }

        try
        {
            var (entry, change) = await watchList.PutAsync(normalized, settings, cancellationToken);
            return new ObjectResult(entry) { StatusCode = change == WatchChange.Added ? StatusCodes.Status201Created : StatusCodes.Status200OK };
        }
        catch (Exception e) when (StorageFaults.IsTransient(e))
        {
            return WatchListHttp.StorageUnavailable(e);
        }
    }
}
