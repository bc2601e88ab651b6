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
    private readonly ConcurrentQueue<StorageRequest> _requests = new();
    private volatile Func<StorageRequest, Exception?>? _fault;

    /// <summary>Every request so far, in order.</summary>
    public IReadOnlyList<StorageRequest> Log => [.. _requests];

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
        _requests.Enqueue(request);
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
        resource = paren > 0 ? resource[..paren] : resource;
        if (resource == "$batch" && BatchTable(request) is { } table)
        {
            // A table transaction names its table inside its body: count it as "$batch:{table}".
            resource = $"$batch:{table}";
        }
        return new StorageRequest(request.Method.ToString(), resource, request.Uri.PathAndQuery);
    }

    private static string? BatchTable(Request request)
    {
        if (request.Content is null)
        {
            return null;
        }
        using var body = new MemoryStream();
        request.Content.WriteTo(body, CancellationToken.None);
        var match = System.Text.RegularExpressions.Regex.Match(System.Text.Encoding.UTF8.GetString(body.ToArray()), @"/devstoreaccount1/([A-Za-z0-9]+)");
        return match.Success ? match.Groups[1].Value : null;
    }
}
