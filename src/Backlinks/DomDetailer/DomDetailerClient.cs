using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Backlinks.Telemetry;
using Backlinks.Throttling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Backlinks.DomDetailer;

/// <summary>
/// Calls the Backlinks endpoint once (with the short in-process retries of the HTTP pipeline) and
/// turns the answer into a <see cref="BacklinksFetchResult"/>. It never sleeps out a 429 or 402:
/// waiting is the queue's job.
/// </summary>
public sealed partial class DomDetailerClient(
    HttpClient http,
    IOptions<DomDetailerOptions> options,
    TimeProvider time,
    BacklinksMetrics metrics,
    ILogger<DomDetailerClient> logger)
{
    private readonly DomDetailerOptions _options = options.Value;

    public async Task<BacklinksFetchResult> GetBacklinksAsync(string domain, bool onePerDomain, CancellationToken cancellationToken)
    {
        using var span = BacklinksTelemetry.Source.StartActivity(BacklinksTelemetry.Spans.BacklinksCall, ActivityKind.Client)
            ?.SetTag(BacklinksTelemetry.Attributes.Domain, domain);
        using var request = new HttpRequestMessage(HttpMethod.Get, BacklinksUri(domain, onePerDomain));
        request.Options.Set(RequestPacingHandler.WithheldWhilePaused, true);
        var started = Stopwatch.GetTimestamp();
        BacklinksFetchResult result;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            result = await ReadAsync(response, cancellationToken);
            span?.SetTag(BacklinksTelemetry.Attributes.HttpStatus, (int)response.StatusCode);
            LogAnswered(logger, domain, (int)response.StatusCode, result.GetType().Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (CallWithheldException)
        {
            result = new BacklinksWithheld();
        }
        catch (TimeoutRejectedException)
        {
            result = new BacklinksTransientFailure($"timeout: no complete answer within {_options.Timeout.TotalSeconds:0} s");
            LogFailed(logger, domain, ((BacklinksTransientFailure)result).Reason);
        }
        catch (HttpRequestException e)
        {
            result = new BacklinksTransientFailure($"connection failed: {Redact(e.Message)}");
            LogFailed(logger, domain, ((BacklinksTransientFailure)result).Reason);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            result = new BacklinksTransientFailure("timeout: the request was cancelled before an answer came");
            LogFailed(logger, domain, ((BacklinksTransientFailure)result).Reason);
        }
        // Only an answer with data is paid for: a 200, readable or not.
        var credits = result is BacklinksFetched or BacklinksMalformed ? CreditLedger.CreditsPerCall : 0;
        if (credits > 0)
        {
            metrics.RecordCreditsSpent(credits);
        }
        span?.SetTag(BacklinksTelemetry.Attributes.Credits, credits);
        span?.SetTag(BacklinksTelemetry.Attributes.ApiResult, result.GetType().Name);
        if (result is BacklinksTransientFailure failure)
        {
            span?.SetStatus(ActivityStatusCode.Error, failure.Reason);
        }
        return result;
    }

    /// <summary>
    /// Asks the balance endpoint how many credits are left (public clients see <c>["UnitsLeft","49110"]</c>).
    /// Cheap: it costs no credits, so it is how a pause after 402 learns that credits are back.
    /// </summary>
    public async Task<BalanceResult> GetBalanceAsync(CancellationToken cancellationToken)
    {
        using var span = BacklinksTelemetry.Source.StartActivity(BacklinksTelemetry.Spans.BalanceCall, ActivityKind.Client);
        using var request = new HttpRequestMessage(HttpMethod.Get, ApiUri(_options.BalancePath, extraQuery: null));
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var result = ReadBalance((int)response.StatusCode, body);
            span?.SetTag(BacklinksTelemetry.Attributes.HttpStatus, (int)response.StatusCode).SetTag(BacklinksTelemetry.Attributes.ApiResult, result.GetType().Name);
            LogBalance(logger, (int)response.StatusCode, result.GetType().Name);
            return result;
        }
        catch (Exception e) when (e is TimeoutRejectedException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var unknown = new BalanceUnknown($"no answer from the balance endpoint ({e.GetType().Name})");
            span?.SetStatus(ActivityStatusCode.Error, unknown.Reason);
            return unknown;
        }
    }

    /// <summary>
    /// Reads the balance answer. Nothing of the body is kept: a body may echo the key (a plain-text
    /// "Account Not Found for key …"), so the details are fixed texts.
    /// </summary>
    internal static BalanceResult ReadBalance(int status, string body)
    {
        if (status is 401 or 403)
        {
            return new BalanceInvalidApiKey($"HTTP {status}");
        }
        if (status != 200)
        {
            return new BalanceUnknown($"HTTP {status}");
        }
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            // ["UnitsLeft","49110"]: a name and a number, the number possibly as a string.
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() >= 2 &&
                root[1] is { ValueKind: JsonValueKind.Number or JsonValueKind.String } units &&
                (units.ValueKind == JsonValueKind.Number ? units.TryGetInt64(out var n)
                    : long.TryParse(units.GetString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out n)))
            {
                return new BalanceKnown(n);
            }
        }
        catch (JsonException)
        {
            // Not JSON: the older endpoints answer a bad key with HTTP 200 and plain text.
        }
        return body.Contains(AccountNotFound, StringComparison.OrdinalIgnoreCase)
            ? new BalanceInvalidApiKey($"HTTP 200 \"{AccountNotFound}\"")
            : new BalanceUnknown($"the balance answer is not the expected [\"UnitsLeft\", n] ({Encoding.UTF8.GetByteCount(body)} bytes)");
    }

    /// <summary>What the older endpoints answer, with HTTP 200, for a key they do not know.</summary>
    internal const string AccountNotFound = "Account Not Found";

    /// <summary>The request URI. It holds the API key: never log it, never put it in an exception.</summary>
    private Uri BacklinksUri(string domain, bool onePerDomain) =>
        ApiUri(_options.BacklinksPath, "&domain=" + Uri.EscapeDataString(domain) + (onePerDomain ? "&onePerDomain=1" : ""));

    private Uri ApiUri(string path, string? extraQuery)
    {
        var query = new StringBuilder()
            .Append("apikey=").Append(Uri.EscapeDataString(_options.ApiKey))
            .Append("&app=").Append(Uri.EscapeDataString(_options.App))
            .Append(extraQuery);
        return new UriBuilder(_options.BaseUrl) { Path = path, Query = query.ToString() }.Uri;
    }

    private async Task<BacklinksFetchResult> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var now = time.GetUtcNow();
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                return ReadData(body);
            case HttpStatusCode.TooManyRequests:
                return new BacklinksRateLimited(RetryAfter.From(response.Headers.RetryAfter, now));
            case HttpStatusCode.PaymentRequired:
                return new BacklinksOutOfCredits(RetryAfter.From(response.Headers.RetryAfter, now));
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                var (authError, authMessage) = ReadError((int)response.StatusCode, body);
                return new BacklinksInvalidApiKey(authError, authMessage) { Status = (int)response.StatusCode };
            case >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout:
                return new BacklinksTransientFailure($"server error: HTTP {(int)response.StatusCode}");
            default:
                var (requestError, requestMessage) = ReadError((int)response.StatusCode, body);
                return new BacklinksInvalidRequest((int)response.StatusCode, requestError ?? $"http_{(int)response.StatusCode}", requestMessage);
        }
    }

    /// <summary>
    /// A 200: the parsed sample and its bytes. Should the answer hold the key (an echo of the request),
    /// it is masked in the bytes before anything can store them, and the masked bytes are what is parsed.
    /// </summary>
    private BacklinksFetchResult ReadData(byte[] body)
    {
        var clean = SecretRedactor.RedactData(body, _options.ApiKey);
        if (!ReferenceEquals(clean, body))
        {
            LogKeyInAnswer(logger, body.Length);
        }
        return BacklinksResponseParser.TryParse(clean, out var parsed, out var error)
            ? new BacklinksFetched(clean, parsed!)
            : new BacklinksMalformed(clean, Redact(error!));
    }

    /// <summary>
    /// The API's small error object: its <c>error</c> and <c>message</c> strings, masked, then shortened.
    /// Of any other body nothing is kept but its size: an HTML or plain-text page may echo the request
    /// URL, and with it the key, in forms no mask can be sure to catch.
    /// </summary>
    private (string? Error, string? Message) ReadError(int status, byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                var root = document.RootElement;
                return (Text(root, "error"), Text(root, "message"));
            }
        }
        catch (JsonException)
        {
            // Not JSON: described below, never quoted.
        }
        return (null, $"HTTP {status} with a body that is not the API's JSON error object ({body.Length} bytes)");

        string? Text(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? Excerpt(value.GetString()!) : null;
    }

    /// <summary>Masked first, then stripped of control characters and cut: a cut never reveals what the mask would have hidden.</summary>
    private string Excerpt(string text)
    {
        const int MaxLength = 300;
        var masked = Redact(text);
        var printable = string.Create(masked.Length, masked, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? ' ' : source[i];
            }
        }).Trim();
        if (printable.Length <= MaxLength)
        {
            return printable;
        }
        var cut = char.IsHighSurrogate(printable[MaxLength - 1]) ? MaxLength - 1 : MaxLength; // never half a character
        return printable[..cut] + "…";
    }

    private string Redact(string text) => SecretRedactor.Redact(text, _options.ApiKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "DomDetailer backlinks for {Domain}: HTTP {StatusCode} ({Outcome}) in {ElapsedMs:0} ms")]
    private static partial void LogAnswered(ILogger logger, string domain, int statusCode, string outcome, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "DomDetailer balance: HTTP {StatusCode} ({Outcome})")]
    private static partial void LogBalance(ILogger logger, int statusCode, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DomDetailer answer of {Bytes} bytes held the API key (an echo of the request); it was masked before anything kept it")]
    private static partial void LogKeyInAnswer(ILogger logger, int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DomDetailer backlinks for {Domain} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string domain, string reason);
}
