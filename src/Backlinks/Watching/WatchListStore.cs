using Azure;
using Azure.Data.Tables;
using Backlinks.Storage;

namespace Backlinks.Watching;

/// <summary>How a save changed an entry.</summary>
public enum WatchChange
{
    Added,
    Updated,
    Unchanged,
}

/// <summary>The rows of <c>backlinkwatchlist</c>. Every write that depends on what was read is ETag-conditional.</summary>
public sealed class WatchListStore(StorageClients storage, TimeProvider time)
{
    private const int MaxParallelWrites = 16;

    private TableClient Table => storage.WatchListTable;

    /// <summary>Every entry (of one group), by domain. The list is small: one query of the whole table.</summary>
    public async Task<IReadOnlyList<WatchEntryEntity>> ListAsync(string? group, CancellationToken cancellationToken)
    {
        var filter = group is null ? null : TableClient.CreateQueryFilter($"Group eq {group}");
        var entries = new List<WatchEntryEntity>();
        await foreach (var entry in Table.QueryAsync<WatchEntryEntity>(filter, cancellationToken: cancellationToken))
        {
            entries.Add(entry);
        }
        return entries.OrderBy(e => e.Domain, StringComparer.Ordinal).ToList();
    }

    public async Task<WatchEntryEntity?> GetAsync(string domain, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<WatchEntryEntity>(domain, WatchEntryEntity.Row, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>
    /// Adds or edits entries (domains already normalized). The table is read once; each entry is then one
    /// conditional write, and one that another writer changed in between (a run claiming it) is read again.
    /// </summary>
    public async Task<IReadOnlyList<(WatchEntryEntity Entry, WatchChange Change)>> SaveAsync(
        IReadOnlyList<(string Domain, WatchSettings Settings)> items, CancellationToken cancellationToken)
    {
        var current = (await ListAsync(null, cancellationToken)).ToDictionary(e => e.Domain, StringComparer.Ordinal);
        var results = new (WatchEntryEntity, WatchChange)[items.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count),
            new ParallelOptions { MaxDegreeOfParallelism = MaxParallelWrites, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var (domain, settings) = items[i];
                results[i] = await SaveOneAsync(domain, settings, current.GetValueOrDefault(domain), token);
            });
        return results;
    }

    private async Task<(WatchEntryEntity, WatchChange)> SaveOneAsync(string domain, WatchSettings settings, WatchEntryEntity? read, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        try
        {
            if (read is null)
            {
                var added = WatchEntryEntity.New(domain, settings, now);
                added.ETag = (await Table.AddEntityAsync(added, cancellationToken)).Headers.ETag ?? default;
                return (added, WatchChange.Added);
            }
            var edited = read.With(settings);
            if (edited.SameSettings(read))
            {
                return (read, WatchChange.Unchanged);
            }
            edited.ETag = (await Table.UpdateEntityAsync(edited, read.ETag, TableUpdateMode.Replace, cancellationToken)).Headers.ETag ?? default;
            return (edited, WatchChange.Updated);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
        {
            // Added, claimed or removed by someone else since the table was read: decide again on what is there now.
            var change = WatchChange.Unchanged;
            var written = await OptimisticUpdate.UpdateAsync<WatchEntryEntity>(Table, domain, WatchEntryEntity.Row, current =>
            {
                if (current is null)
                {
                    change = WatchChange.Added;
                    return WatchEntryEntity.New(domain, settings, now);
                }
                var next = current.With(settings);
                change = next.SameSettings(current) ? WatchChange.Unchanged : WatchChange.Updated;
                return change == WatchChange.Unchanged ? null : next;
            }, cancellationToken);
            return (written ?? (await GetAsync(domain, cancellationToken))!, change);
        }
    }

    /// <summary>Removes an entry; false when the domain is not watched.</summary>
    public async Task<bool> RemoveAsync(string domain, CancellationToken cancellationToken)
    {
        // The SDK answers a missing entity with its 404 response rather than an exception.
        var response = await Table.DeleteEntityAsync(domain, WatchEntryEntity.Row, ETag.All, cancellationToken);
        return response.Status != 404;
    }

    /// <summary>
    /// Writes a claimed entry if nobody changed it since <paramref name="read"/> was read: the one guard that
    /// lets only one of several runs queue a due entry. False when another run (or an edit) came first.
    /// </summary>
    public async Task<bool> TryClaimAsync(WatchEntryEntity read, WatchEntryEntity claimed, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Table.UpdateEntityAsync(claimed, read.ETag, TableUpdateMode.Replace, cancellationToken);
            claimed.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>Puts back the schedule of a claim whose job could not be queued, so the entry stays due; left alone if changed since.</summary>
    public async Task UndoClaimAsync(WatchEntryEntity read, WatchEntryEntity claimed, CancellationToken cancellationToken)
    {
        var restored = claimed.With(new WatchSettings());
        restored.NextDueUtc = read.NextDueUtc;
        restored.LastQueuedUtc = read.LastQueuedUtc;
        restored.LastJobId = read.LastJobId;
        try
        {
            await Table.UpdateEntityAsync(restored, claimed.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Edited or removed meanwhile: what is there now wins.
        }
    }
}
