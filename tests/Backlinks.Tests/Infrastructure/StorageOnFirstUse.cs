using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Backlinks.Storage;

namespace Backlinks.Tests.Infrastructure;

/// <summary>
/// Creates a test pipeline's queues, container and tables when a request first needs one, and deletes those it
/// created when the test ends. Most tests use a few of the eleven: creating and deleting every one for every test
/// was a third of the run's storage requests, and Azurite spends about a millisecond of CPU on each.
/// What it cannot follow creates them all first, as creating them at start did: a request that creates or
/// deletes a resource itself (a test that removes a table), and the settings handed to another client or process.
/// </summary>
public sealed class StorageOnFirstUse
{
    private readonly Dictionary<string, Resource> _byName;
    private readonly ConcurrentDictionary<string, Lazy<Task>> _created = new();
    private readonly Lazy<Task> _all;

    /// <param name="unobserved">The pipeline's storage clients, built without its policy: these requests are neither counted nor failed by it.</param>
    public StorageOnFirstUse(StorageClients unobserved)
    {
        _byName = unobserved.Queues.Select(Resource.Queue)
            .Append(Resource.Container(unobserved.RawContainer))
            .Concat(unobserved.Tables.Select(Resource.Table))
            .ToDictionary(r => r.Name);
        _all = new(() => Task.WhenAll(_byName.Values.Select(CreateOnceAsync)));
    }

    /// <summary>Before <paramref name="request"/> goes out: what it needs exists.</summary>
    public Task BeforeAsync(StorageRequest request)
    {
        if (_all.IsValueCreated)
        {
            return _all.Value;
        }
        var name = request.Resource.StartsWith("$batch:", StringComparison.Ordinal) ? request.Resource["$batch:".Length..] : request.Resource;
        return _byName.TryGetValue(name, out var resource) && !resource.IsCreatedOrDeletedBy(request)
            ? CreateOnceAsync(resource)
            : CreateAllAsync();
    }

    /// <summary>Creates every resource not created yet; from then on, nothing is created on first use.</summary>
    public Task CreateAllAsync() => _all.Value;

    /// <summary>Deletes what this created (and what a test created again after deleting it).</summary>
    public async Task DeleteCreatedAsync()
    {
        await Task.WhenAll(_created.Keys.Select(async name =>
        {
            try
            {
                await _created[name].Value;
                await _byName[name].DeleteAsync();
            }
            catch (RequestFailedException)
            {
                // A table a test deleted itself, or a creation that failed: nothing to delete.
            }
        }));
    }

    private Task CreateOnceAsync(Resource resource) => _created.GetOrAdd(resource.Name, _ => new Lazy<Task>(resource.CreateAsync)).Value;

    private sealed record Resource(string Name, Func<Task> CreateAsync, Func<Task> DeleteAsync, Func<StorageRequest, bool> IsCreatedOrDeletedBy)
    {
        private static bool PutOrDelete(StorageRequest r) => r.Method is "PUT" or "DELETE";

        public static Resource Queue(QueueClient queue) => new(queue.Name,
            () => queue.CreateIfNotExistsAsync(), () => queue.DeleteIfExistsAsync(),
            r => PutOrDelete(r) && !r.Path.Contains("/messages", StringComparison.Ordinal));

        public static Resource Container(BlobContainerClient container) => new(container.Name,
            () => container.CreateIfNotExistsAsync(), () => container.DeleteIfExistsAsync(),
            r => PutOrDelete(r) && r.Path.Contains("restype=container", StringComparison.Ordinal));

        // A table's own creation and deletion go to the account's "Tables" resource, which is not a table's name.
        public static Resource Table(TableClient table) => new(table.Name,
            () => table.CreateIfNotExistsAsync(), () => table.DeleteAsync(), _ => false);
    }
}
