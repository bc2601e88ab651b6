using System.Buffers.Text;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace Backlinks.Links;

/// <summary>A link of a domain as callers see it (the columns of backlinkrows).</summary>
public sealed record LinkView(
    string Domain, string SourceUrl, string TargetUrl, string SourceDomain, string Anchor, string Title, bool Nofollow,
    bool IsGov, bool IsEdu, DateTimeOffset FirstSeenUtc, DateTimeOffset LastSeenUtc, string FirstSeenJobId, string LastSeenJobId,
    string Status, DateTimeOffset? LostAtUtc)
{
    public static LinkView From(LinkRowEntity e) => new(e.Domain, e.SourceUrl, e.TargetUrl, e.SourceDomain, e.Anchor, e.Title, e.Nofollow,
        e.IsGov, e.IsEdu, e.FirstSeenUtc, e.LastSeenUtc, e.FirstSeenJobId, e.LastSeenJobId, e.Status, e.LostAtUtc);
}

/// <summary>A link gained or lost, as callers see it (the columns of backlinkchanges).</summary>
public sealed record LinkChangeView(
    string Domain, string Change, DateTimeOffset DetectedAtUtc, string JobId, string SourceUrl, string TargetUrl, string SourceDomain,
    string Anchor, bool Nofollow)
{
    public static LinkChangeView From(LinkChangeEntity e) =>
        new(e.Domain, e.Change, e.DetectedAtUtc, e.JobId, e.SourceUrl, e.TargetUrl, e.SourceDomain, e.Anchor, e.Nofollow);
}

/// <summary>A referring host as callers see it (the columns of backlinkrefdomains).</summary>
public sealed record RefDomainView(
    string Domain, string RefDomain, int LiveLinks, int DofollowLinks, DateTimeOffset FirstSeenUtc, DateTimeOffset LastSeenUtc,
    string Status, bool IsGov, bool IsEdu, string Tld)
{
    public static RefDomainView From(RefDomainEntity e) =>
        new(e.Domain, e.RefDomain, e.LiveLinks, e.DofollowLinks, e.FirstSeenUtc, e.LastSeenUtc, e.Status, e.IsGov, e.IsEdu, e.Tld);
}

/// <summary>One page of results; <see cref="ContinuationToken"/> asks for the next, null on the last.</summary>
public sealed record LinkPage<T>(IReadOnlyList<T> Items, string? ContinuationToken);

/// <summary>The continuation token is not one this API handed out.</summary>
public sealed class InvalidContinuationTokenException() : Exception("The continuation token is not valid: pass the one the previous page returned, unchanged.");

/// <summary>
/// Read side of the link tables. Links are filtered by status (and, with a time, by when they were last
/// seen or lost); changes by kind and time, the time being a RowKey range.
/// </summary>
public sealed class LinkQueries(LinkTables tables)
{
    public const int MaxPageSize = 1000;

    public Task<LinkPage<LinkView>> GetLinksAsync(string domain, string status, DateTimeOffset? since, int top, string? continuationToken,
        CancellationToken cancellationToken) =>
        PageAsync<LinkRowEntity, LinkView>(tables.Rows, LinksFilter(domain, status, since), LinkView.From, top, continuationToken, cancellationToken);

    public Task<LinkPage<LinkChangeView>> GetChangesAsync(string domain, string change, DateTimeOffset? since, int top, string? continuationToken,
        CancellationToken cancellationToken) =>
        PageAsync<LinkChangeEntity, LinkChangeView>(tables.Changes, ChangesFilter(domain, change, since), LinkChangeView.From, top, continuationToken, cancellationToken);

    public IAsyncEnumerable<LinkView> AllLinksAsync(string domain, string status, DateTimeOffset? since, CancellationToken cancellationToken) =>
        AllAsync<LinkRowEntity, LinkView>(tables.Rows, LinksFilter(domain, status, since), LinkView.From, cancellationToken);

    public IAsyncEnumerable<LinkChangeView> AllChangesAsync(string domain, string change, DateTimeOffset? since, CancellationToken cancellationToken) =>
        AllAsync<LinkChangeEntity, LinkChangeView>(tables.Changes, ChangesFilter(domain, change, since), LinkChangeView.From, cancellationToken);

    public async Task<IReadOnlyList<RefDomainView>> GetRefDomainsAsync(string domain, CancellationToken cancellationToken)
    {
        var rows = new List<RefDomainView>();
        await foreach (var row in AllAsync<RefDomainEntity, RefDomainView>(tables.RefDomains, TableClient.CreateQueryFilter($"PartitionKey eq {domain}"),
            RefDomainView.From, cancellationToken))
        {
            rows.Add(row);
        }
        return rows;
    }

    private static string LinksFilter(string domain, string status, DateTimeOffset? since) => since switch
    {
        null => TableClient.CreateQueryFilter($"PartitionKey eq {domain} and Status eq {status}"),
        { } s when status == LinkStatus.Lost => TableClient.CreateQueryFilter($"PartitionKey eq {domain} and Status eq {status} and LostAtUtc ge {s}"),
        { } s => TableClient.CreateQueryFilter($"PartitionKey eq {domain} and Status eq {status} and LastSeenUtc ge {s}"),
    };

    private static string ChangesFilter(string domain, string change, DateTimeOffset? since) =>
        TableClient.CreateQueryFilter(
            $"PartitionKey eq {domain} and RowKey ge {LinkChangeEntity.TimeKey(since ?? DateTimeOffset.MinValue)} and Change eq {change}");

    private static async Task<LinkPage<TView>> PageAsync<TEntity, TView>(TableClient table, string filter, Func<TEntity, TView> view,
        int top, string? continuationToken, CancellationToken cancellationToken)
        where TEntity : class, ITableEntity, new()
    {
        var token = continuationToken is null ? null : Decode(continuationToken);
        var items = new List<TView>(top);
        try
        {
            // A filtered page may come back short (even empty) with a token: read on until the page is full.
            do
            {
                await foreach (var page in table.QueryAsync<TEntity>(filter, maxPerPage: top - items.Count, cancellationToken: cancellationToken)
                    .AsPages(token, top - items.Count))
                {
                    items.AddRange(page.Values.Select(view));
                    token = page.ContinuationToken;
                    break;
                }
            }
            while (items.Count < top && token is not null);
        }
        catch (RequestFailedException e) when (continuationToken is not null && e.Status == 400)
        {
            throw new InvalidContinuationTokenException();
        }
        return new LinkPage<TView>(items, token is null ? null : Encode(token));
    }

    private static async IAsyncEnumerable<TView> AllAsync<TEntity, TView>(TableClient table, string filter, Func<TEntity, TView> view,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        where TEntity : class, ITableEntity, new()
    {
        await foreach (var entity in table.QueryAsync<TEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return view(entity);
        }
    }

    // The service's token holds the next keys; callers get it URL-safe and opaque.
    private static string Encode(string token) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(token));

    private static string Decode(string token)
    {
        try
        {
            var decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            return decoded.Length > 0 && !decoded.Any(char.IsControl) ? decoded : throw new InvalidContinuationTokenException();
        }
        catch (FormatException)
        {
            throw new InvalidContinuationTokenException();
        }
    }
}
