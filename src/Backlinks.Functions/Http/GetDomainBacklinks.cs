using Backlinks.Domains;
using Backlinks.Links;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Http;

/// <summary>One page of a domain's links (<c>status</c>) or of its gained and lost links (<c>change</c>).</summary>
public sealed record DomainBacklinksPage<T>(string Domain, string? Status, string? Change, DateTimeOffset? Since, IReadOnlyList<T> Items, string? ContinuationToken);

/// <summary>
/// <c>GET /api/domains/{domain}/backlinks?status=live|lost&amp;change=new|lost&amp;since=…&amp;top=…&amp;continuationToken=…</c>:
/// the domain's links (live by default) or, with <c>change</c>, the links it gained or lost, a page at a time.
/// </summary>
public sealed class GetDomainBacklinks(LinkQueries links)
{
    [Function(nameof(GetDomainBacklinks))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "domains/{domain}/backlinks")] HttpRequest request,
        string domain,
        CancellationToken cancellationToken)
    {
        var normalized = DomainName.Normalize(domain);
        if (!normalized.IsValid)
        {
            return ApiError.Result(400, "invalid_domain", $"'{domain}' is not a valid domain: {normalized.Error}.");
        }
        var query = request.Query;
        string? status = query["status"], change = query["change"], sinceText = query["since"], topText = query["top"], token = query["continuationToken"];

        if (status is not null && !LinkStatus.IsValid(status))
        {
            return ApiError.Result(400, "invalid_query", "status must be 'live' or 'lost'.");
        }
        if (change is not null && !LinkChange.IsValid(change))
        {
            return ApiError.Result(400, "invalid_query", "change must be 'new' or 'lost'.");
        }
        if (status is not null && change is not null)
        {
            return ApiError.Result(400, "invalid_query", "status and change cannot be combined: status lists links, change lists gains and losses.");
        }
        DateTimeOffset? since = null;
        if (sinceText is not null)
        {
            if (!LinkFilters.TryParseSince(sinceText, out var parsed))
            {
                return ApiError.Result(400, "invalid_query", $"since must be {LinkFilters.SinceFormat}.");
            }
            since = parsed;
        }
        var top = LinkFilters.DefaultPageSize;
        if (topText is not null && (!int.TryParse(topText, out top) || top is < 1 or > LinkQueries.MaxPageSize))
        {
            return ApiError.Result(400, "invalid_query", $"top must be a whole number from 1 to {LinkQueries.MaxPageSize}.");
        }

        try
        {
            var name = normalized.Domain!;
            if (change is not null)
            {
                var changes = await links.GetChangesAsync(name, change, since, top, token, cancellationToken);
                return new OkObjectResult(new DomainBacklinksPage<LinkChangeView>(name, null, change, since, changes.Items, changes.ContinuationToken));
            }
            status ??= LinkStatus.Live;
            var page = await links.GetLinksAsync(name, status, since, top, token, cancellationToken);
            return new OkObjectResult(new DomainBacklinksPage<LinkView>(name, status, null, since, page.Items, page.ContinuationToken));
        }
        catch (InvalidContinuationTokenException e)
        {
            return ApiError.Result(400, "invalid_continuation_token", e.Message);
        }
    }
}
