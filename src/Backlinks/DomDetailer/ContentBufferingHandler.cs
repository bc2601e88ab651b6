namespace Backlinks.DomDetailer;

/// <summary>
/// Reads the whole body inside the HTTP pipeline, so that the per-attempt timeout and the
/// transient retries also cover a body that stalls or breaks half-way, and a runaway body is cut off.
/// </summary>
internal sealed class ContentBufferingHandler(long maxBytes) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        try
        {
            await response.Content.LoadIntoBufferAsync(maxBytes, cancellationToken);
        }
        catch
        {
            response.Dispose();
            throw;
        }
        return response;
    }
}
