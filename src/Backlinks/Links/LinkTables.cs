using Azure.Data.Tables;
using Backlinks.Storage;

namespace Backlinks.Links;

/// <summary>
/// The tables the link ingest writes: the three link tables, and the control table where a domain's
/// writer lease lives. Built from <see cref="StorageClients"/>; tests build it from clients of their own
/// (to inject a crash between two batches).
/// </summary>
public sealed class LinkTables(TableClient rows, TableClient changes, TableClient refDomains, TableClient control)
{
    public TableClient Rows { get; } = rows;
    public TableClient Changes { get; } = changes;
    public TableClient RefDomains { get; } = refDomains;
    public TableClient Control { get; } = control;

    public static LinkTables From(StorageClients storage) =>
        new(storage.LinkRowsTable, storage.LinkChangesTable, storage.RefDomainsTable, storage.ControlTable);

    public async Task<Dictionary<string, LinkRowEntity>> ReadRowsAsync(string domain, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, LinkRowEntity>(StringComparer.Ordinal);
        await foreach (var row in Rows.QueryAsync<LinkRowEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {domain}"), cancellationToken: cancellationToken))
        {
            rows[row.RowKey] = row;
        }
        return rows;
    }

    public async Task<Dictionary<string, RefDomainEntity>> ReadRefDomainsAsync(string domain, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, RefDomainEntity>(StringComparer.Ordinal);
        await foreach (var row in RefDomains.QueryAsync<RefDomainEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {domain}"), cancellationToken: cancellationToken))
        {
            rows[row.RowKey] = row;
        }
        return rows;
    }

    /// <summary>The change rows one snapshot recorded (a key range: they share a prefix).</summary>
    public async Task<List<LinkChangeEntity>> ReadChangesAsync(string domain, SnapshotStamp at, CancellationToken cancellationToken)
    {
        var prefix = LinkChangeEntity.PrefixFor(at);
        var changes = new List<LinkChangeEntity>();
        await foreach (var change in Changes.QueryAsync<LinkChangeEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {domain} and RowKey ge {prefix} and RowKey lt {prefix + "~"}"), cancellationToken: cancellationToken))
        {
            changes.Add(change);
        }
        return changes;
    }
}
