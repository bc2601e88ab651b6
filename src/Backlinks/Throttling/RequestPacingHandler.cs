using System.Net;
using Backlinks.DomDetailer;

namespace Backlinks.Throttling;

/// <summary>
/// Inside the HTTP pipeline (so retries are paced too): each attempt waits for its slot at the learned
/// rate, and its answer teaches the rate: 429 lowers it, anything else raises it slowly.
/// </summary>
internal sealed class RequestPacingHandler(AdaptiveRate rate, TimeProvider time) : DelegatingHandler
{
    /// <summary>Set on a backlinks request (a paid call): withheld if the account's pause began while it waited for its turn.</summary>
    public static readonly HttpRequestOptionsKey<bool> WithheldWhilePaused = new("backlinks.withheldWhilePaused");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var epoch = await rate.WaitTurnAsync(cancellationToken);
        if (rate.IsPausedNow && request.Options.TryGetValue(WithheldWhilePaused, out var withheld) && withheld)
        {
            // Another job met a 402 or a rejected key while this one waited: the whole app stops calling.
            throw new CallWithheldException();
        }
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            rate.OnRateLimited(epoch, RetryAfter.From(response.Headers.RetryAfter, time.GetUtcNow()));
        }
        else
        {
            rate.OnAnswered();
        }
        return response;
    }
}
