using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Backlinks.Tests.Infrastructure;

/// <summary>
/// Sits in every storage client's pipeline (per retry): counts each request that goes out, and fails
/// the ones a test chooses, before they reach Azurite, the way a timeout or an outage would.
/// </summary>
public sealed class StorageRequestPolicy : HttpPipelinePolicy
{
    private readonly ConcurrentQueue<string> _requests = new();
    private volatile Func<StorageRequest, Exception?>? _fault;

    /// <summary>Every request so far, as "METHOD resource" (the path's first segment after the account, e.g. a table or queue name).</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    public int Count => _requests.Count;

    public void Reset() => _requests.Clear();

    /// <summary>From now on, a request for which <paramref name="fault"/> returns an exception fails with it; null stops failing.</summary>
    public void FailWhen(Func<StorageRequest, Exception?>? fault) => _fault = fault;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Before(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Before(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void Before(HttpMessage message)
    {
        var request = StorageRequest.From(message.Request);
        _requests.Enqueue($"{request.Method} {request.Resource}");
        if (_fault?.Invoke(request) is { } failure)
        {
            throw failure;
        }
    }
}

/// <summary>A storage request as a fault rule sees it.</summary>
public sealed record StorageRequest(string Method, string Resource, string Path)
{
    public static StorageRequest From(Request request)
    {
        // Azurite paths start with the account name: /devstoreaccount1/{resource}/...
        var segments = request.Uri.Path.Trim('/').Split('/');
        var resource = segments.Length > 1 ? segments[1] : "";
        var paren = resource.IndexOf('(');
        return new StorageRequest(request.Method.ToString(), paren > 0 ? resource[..paren] : resource, request.Uri.Path);
    }
}
