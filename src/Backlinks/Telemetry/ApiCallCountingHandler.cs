using System.Globalization;
using Backlinks.DomDetailer;

namespace Backlinks.Telemetry;

/// <summary>
/// Inside the HTTP pipeline (so every attempt, retries included, is counted once): records
/// <c>backlinks.api.calls</c> by endpoint and status, the status being the HTTP code or, when no answer
/// came, <c>timeout</c> or <c>connection_failed</c>. Only the path is looked at: the query holds the key.
/// </summary>
internal sealed class ApiCallCountingHandler(BacklinksMetrics metrics, DomDetailerOptions options) : DelegatingHandler
{
    public const string BacklinksEndpoint = "backlinks";
    public const string BalanceEndpoint = "balance";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var endpoint = string.Equals(request.RequestUri?.AbsolutePath, options.BalancePath, StringComparison.OrdinalIgnoreCase) ? BalanceEndpoint : BacklinksEndpoint;
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            metrics.RecordApiCall(endpoint, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            return response;
        }
        catch (OperationCanceledException)
        {
            // The attempt's timeout (or a stop) cancelled it before an answer came.
            metrics.RecordApiCall(endpoint, BacklinksMetrics.TimeoutStatus);
            throw;
        }
        catch (HttpRequestException)
        {
            metrics.RecordApiCall(endpoint, BacklinksMetrics.ConnectionFailedStatus);
            throw;
        }
    }
}
