using Azure;

namespace Backlinks.Storage;

/// <summary>Which exceptions mean "storage failed or could not be reached": worth another try later, not a bug.</summary>
public static class StorageFaults
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        RequestFailedException or HttpRequestException or TimeoutException or IOException => true,
        // A try that ran out of time: Azure.Core reports its network timeout as a TaskCanceledException (and,
        // after its retries, an AggregateException of them). A caller whose own token can be cancelled checks
        // that token first: a stop is not a storage fault.
        OperationCanceledException => true,
        // The SDK gives up after its own retries with an AggregateException of the attempts.
        AggregateException aggregate => aggregate.InnerExceptions.All(IsTransient),
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };
}
