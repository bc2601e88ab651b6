using System.Net.Sockets;
using Azure;
using Backlinks.Storage;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Faults;

/// <summary>How a storage request fails, each as the Azure SDK meets it on the wire.</summary>
public enum FaultKind
{
    /// <summary>No answer in time, the request never took effect: the SDK's per-try timeout, a <see cref="TaskCanceledException"/>.</summary>
    Timeout,

    /// <summary>The request took effect but its answer never came back (a timeout while reading it): the SDK's retry repeats a write that landed.</summary>
    AnswerLost,

    /// <summary>HTTP 500 InternalError.</summary>
    Status500,

    /// <summary>HTTP 503 ServerBusy.</summary>
    Status503,

    /// <summary>The connection was reset: the transport reports it as a <see cref="RequestFailedException"/> (status 0) around the <see cref="HttpRequestException"/>.</summary>
    ConnectionReset,
}

/// <summary>How long a fault lasts, counted in requests (the SDK makes up to 4 tries: 1 + MaxRetries 3).</summary>
public enum FaultMode
{
    /// <summary>The first try fails; the SDK's own retry absorbs it.</summary>
    Once,

    /// <summary>Four tries in a row fail: the SDK gives up once, the code above it sees the failure, and the storage then recovers.</summary>
    UntilSdkGivesUp,
}

/// <summary>A fault armed on one failure point: fails the matching requests number Skip+1 … Skip+Count, lets all others through.</summary>
public sealed class FaultRule(StorageClients storage, FaultPoint point, FaultKind kind, int count)
{
    public const int SdkTries = 4;

    private int _seen;
    private int _failed;

    /// <summary>Matching requests failed so far.</summary>
    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Matching requests seen so far (failed or not).</summary>
    public int Seen => Volatile.Read(ref _seen);

    public static FaultRule For(StorageClients storage, FaultPoint point, FaultKind kind, FaultMode mode) =>
        new(storage, point, kind, mode == FaultMode.Once ? 1 : SdkTries);

    public StorageFault? Decide(StorageRequest request)
    {
        if (!point.Matches(storage, request))
        {
            return null;
        }
        var n = Interlocked.Increment(ref _seen);
        if (n <= point.Skip || n > point.Skip + count)
        {
            return null;
        }
        Interlocked.Increment(ref _failed);
        return Make(kind);
    }

    public static StorageFault Make(FaultKind kind) => kind switch
    {
        FaultKind.Timeout => new StorageFault.Fail(SdkTimeout()),
        FaultKind.AnswerLost => new StorageFault.AnswerLost(SdkTimeout()),
        FaultKind.Status500 => new StorageFault.Answer(500),
        FaultKind.Status503 => new StorageFault.Answer(503),
        FaultKind.ConnectionReset => new StorageFault.Fail(new RequestFailedException("Connection reset by peer",
            new HttpRequestException("Connection reset by peer", new IOException("Unable to read data from the transport connection: Connection reset by peer.",
                new SocketException((int)SocketError.ConnectionReset))))),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    // What Azure.Core throws when a try exceeds its network timeout.
    private static TaskCanceledException SdkTimeout() =>
        new("The operation was cancelled because it exceeded the configured timeout of 0:01:40. Network timeout can be adjusted in ClientOptions.Retry.NetworkTimeout.");
}
