using System.Collections.Concurrent;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Backlinks.Tests.Infrastructure;

/// <summary>
/// Sits in every storage client's pipeline (per retry): counts each request that goes out, and fails
/// the ones a test chooses, before they reach Azurite, the way a timeout or an outage would; or, with
/// <see cref="InjectWhen"/>, answers them with an error status, or sends them and loses the answer.
/// </summary>
public sealed class StorageRequestPolicy : HttpPipelinePolicy
{
    private readonly ConcurrentQueue<StorageRequest> _requests = new();
    private volatile Func<StorageRequest, Exception?>? _fault;
    private volatile Func<StorageRequest, StorageFault?>? _inject;

    /// <summary>Every request so far, in order.</summary>
    public IReadOnlyList<StorageRequest> Log => [.. _requests];

    public int Count => _requests.Count;

    public void Reset() => _requests.Clear();

    /// <summary>Creates the resource a request needs before it goes out, when the test pipeline creates them on first use.</summary>
    public StorageOnFirstUse? Provisioning { get; set; }

    /// <summary>From now on, a request for which <paramref name="fault"/> returns an exception fails with it; null stops failing.</summary>
    public void FailWhen(Func<StorageRequest, Exception?>? fault) => _fault = fault;

    /// <summary>From now on, a request for which <paramref name="fault"/> returns a fault meets it (see <see cref="StorageFault"/>); null stops.</summary>
    public void InjectWhen(Func<StorageRequest, StorageFault?>? fault) => _inject = fault;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var request = StorageRequest.From(message.Request);
        Provisioning?.BeforeAsync(request).GetAwaiter().GetResult();
        var fault = Before(request);
        if (fault is StorageFault.Answer answer)
        {
            message.Response = new FaultResponse(answer.Status, message.Request.ClientRequestId, IsTable(message.Request));
            return;
        }
        ProcessNext(message, pipeline);
        if (fault is StorageFault.AnswerLost lost)
        {
            throw lost.Exception;
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var request = StorageRequest.From(message.Request);
        if (Provisioning is { } provisioning)
        {
            await provisioning.BeforeAsync(request);
        }
        var fault = Before(request);
        if (fault is StorageFault.Answer answer)
        {
            message.Response = new FaultResponse(answer.Status, message.Request.ClientRequestId, IsTable(message.Request));
            return;
        }
        await ProcessNextAsync(message, pipeline);
        if (fault is StorageFault.AnswerLost lost)
        {
            throw lost.Exception;
        }
    }

    // Tables speak JSON: their requests ask for it (blobs and queues do not send this header).
    private static bool IsTable(Request request) =>
        request.Headers.TryGetValue("DataServiceVersion", out _) || request.Uri.Path.Contains("$batch", StringComparison.Ordinal)
        || (request.Headers.TryGetValue("Accept", out var accept) && accept.Contains("json", StringComparison.OrdinalIgnoreCase));

    private StorageFault? Before(StorageRequest request)
    {
        _requests.Enqueue(request);
        if (_fault?.Invoke(request) is { } failure)
        {
            throw failure;
        }
        var fault = _inject?.Invoke(request);
        if (fault is StorageFault.Fail fail)
        {
            throw fail.Exception;
        }
        return fault;
    }
}

/// <summary>What happens to a request that a fault rule picks.</summary>
public abstract record StorageFault
{
    private StorageFault()
    {
    }

    /// <summary>The request never reaches storage: it fails with this exception where the transport would throw.</summary>
    public sealed record Fail(Exception Exception) : StorageFault;

    /// <summary>Storage answers with this status (500, 503, 408…) and an empty body; the SDK's retry sees a real response.</summary>
    public sealed record Answer(int Status) : StorageFault;

    /// <summary>The request reaches storage and takes effect; its answer is lost (a timeout while reading it).</summary>
    public sealed record AnswerLost(Exception Exception) : StorageFault;
}

/// <summary>
/// A response made up by the policy: the status, the service's error code in <c>x-ms-error-code</c> and an
/// error body in the service's format (XML for blobs and queues, JSON for tables), as storage sends them.
/// </summary>
internal sealed class FaultResponse : Response
{
    private readonly Dictionary<string, string> _headers;

    public FaultResponse(int status, string clientRequestId, bool table)
    {
        Status = status;
        ClientRequestId = clientRequestId;
        var (code, text) = status switch
        {
            408 => ("OperationTimedOut", "The operation could not be completed within the permitted time."),
            503 => ("ServerBusy", "The server is currently unable to receive requests. Please retry your request."),
            _ => ("InternalError", "The server encountered an internal error. Please retry the request."),
        };
        var body = table
            ? "{\"odata.error\":{\"code\":\"" + code + "\",\"message\":{\"lang\":\"en-US\",\"value\":\"" + text + "\"}}}"
            : $"""<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{text}</Message></Error>""";
        ContentStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body));
        _headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["x-ms-error-code"] = code,
            ["x-ms-request-id"] = Guid.NewGuid().ToString(),
            ["x-ms-client-request-id"] = clientRequestId,
            ["Content-Type"] = table ? "application/json;odata=minimalmetadata" : "application/xml",
            ["Content-Length"] = body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public override int Status { get; }
    public override string ReasonPhrase => "Injected fault";
    public override bool IsError => true;
    public override Stream? ContentStream { get; set; }
    public override string ClientRequestId { get; set; }

    public override void Dispose()
    {
    }

    protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);
    protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Key, h.Value));
    protected override bool TryGetHeader(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => _headers.TryGetValue(name, out value);
    protected override bool TryGetHeaderValues(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IEnumerable<string>? values)
    {
        values = _headers.TryGetValue(name, out var value) ? [value] : null;
        return values is not null;
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
