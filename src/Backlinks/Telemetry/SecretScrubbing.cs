using System.Diagnostics;
using Backlinks.DomDetailer;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;

namespace Backlinks.Telemetry;

/// <summary>
/// The last line before any exporter: masks the API key (<see cref="SecretRedactor"/>: any case, encoded,
/// cut) in every string a span carries (tags, event tags, status description) and drops the query of any
/// recorded URL, whoever recorded it (our spans, HttpClient instrumentation, the runtime's own HTTP spans).
/// Registered before the exporters, so they see the masked span.
/// </summary>
public sealed class SecretScrubbingSpanProcessor : BaseProcessor<Activity>
{
    private readonly string? _apiKey;

    // An event cannot be changed once added: an exception's text is masked as it is recorded instead.
    private readonly ActivityListener _exceptions;

    public SecretScrubbingSpanProcessor(string? apiKey)
    {
        _apiKey = apiKey;
        _exceptions = new ActivityListener
        {
            ShouldListenTo = static _ => true,
            ExceptionRecorder = RecordException,
        };
        ActivitySource.AddActivityListener(_exceptions);
    }

    /// <summary>Attributes that hold a URL or its query: kept without the query, or dropped.</summary>
    private static readonly string[] UrlAttributes = ["url.full", "http.url", "http.target", "url.original"];
    private static readonly string[] QueryAttributes = ["url.query"];

    public override void OnEnd(Activity activity)
    {
        foreach (var name in UrlAttributes)
        {
            if (activity.GetTagItem(name) is { } url)
            {
                activity.SetTag(name, WithoutQuery(url.ToString() ?? ""));
            }
        }
        foreach (var name in QueryAttributes)
        {
            if (activity.GetTagItem(name) is not null)
            {
                activity.SetTag(name, null);
            }
        }
        foreach (var (key, value) in activity.TagObjects.ToList())
        {
            if (value is string text && Scrub(text) is var clean && !ReferenceEquals(clean, text))
            {
                activity.SetTag(key, clean);
            }
        }
        if (activity.StatusDescription is { } description && Scrub(description) is var cleanDescription && !ReferenceEquals(cleanDescription, description))
        {
            activity.SetStatus(activity.Status, cleanDescription);
        }
        foreach (var activityEvent in activity.Events)
        {
            // An event's tags (an exception's message and stack trace) are the collection it was created with, which can be masked in place.
            if (activityEvent.Tags is ActivityTagsCollection tags)
            {
                foreach (var (key, value) in tags.ToList())
                {
                    if (value is string text && Scrub(text) is var clean && !ReferenceEquals(clean, text))
                    {
                        tags[key] = clean;
                    }
                }
            }
        }
    }

    /// <summary>Writes the exception's attributes masked (the runtime would add them raw); masks again those another recorder wrote.</summary>
    private void RecordException(Activity activity, Exception exception, ref TagList tags)
    {
        var written = new HashSet<string>();
        for (var i = 0; i < tags.Count; i++)
        {
            if (tags[i] is { Key: "exception.message" or "exception.stacktrace", Value: string text } tag)
            {
                tags[i] = new KeyValuePair<string, object?>(tag.Key, SecretRedactor.Redact(text, _apiKey));
                written.Add(tag.Key);
            }
        }
        if (written.Add("exception.message"))
        {
            tags.Add("exception.message", SecretRedactor.Redact(exception.Message, _apiKey));
        }
        if (written.Add("exception.stacktrace"))
        {
            tags.Add("exception.stacktrace", SecretRedactor.Redact(exception.ToString(), _apiKey));
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _exceptions.Dispose();
        }
        base.Dispose(disposing);
    }

    private string Scrub(string text)
    {
        var masked = SecretRedactor.Redact(text, _apiKey);
        return masked == text ? text : masked;
    }

    /// <summary>A URL without its query (the API key travels there); a text that is not a URL, masked.</summary>
    internal static string WithoutQuery(string url)
    {
        var query = url.IndexOfAny(['?', '#']);
        return query < 0 ? url : url[..query];
    }
}

/// <summary>
/// Masks the API key in every log record before an exporter sees it: message, template arguments, body and
/// exception (replaced by a <see cref="ScrubbedException"/> with the masked text). Scopes cannot be
/// rewritten, so the pipeline's telemetry does not export them (<see cref="OpenTelemetryLoggerOptions.IncludeScopes"/> off).
/// </summary>
public sealed class SecretScrubbingLogProcessor(string? apiKey) : BaseProcessor<LogRecord>
{
    public override void OnEnd(LogRecord record)
    {
        if (record.FormattedMessage is { } message)
        {
            record.FormattedMessage = SecretRedactor.Redact(message, apiKey);
        }
        if (record.Body is { } body)
        {
            record.Body = SecretRedactor.Redact(body, apiKey);
        }
        if (record.Attributes is { Count: > 0 } attributes)
        {
            record.Attributes = attributes
                .Select(a => a.Value is string or Uri or Exception
                    ? new KeyValuePair<string, object?>(a.Key, SecretRedactor.Redact(a.Value.ToString()!, apiKey))
                    : a)
                .ToList();
        }
        if (record.Exception is { } exception and not ScrubbedException)
        {
            record.Exception = ScrubbedException.From(exception, apiKey);
        }
    }
}

/// <summary>An exception as telemetry may show it: its type, message and stack trace with the API key masked.</summary>
public sealed class ScrubbedException : Exception
{
    private readonly string _text;
    private readonly string? _stackTrace;

    private ScrubbedException(string message, string text, string? stackTrace) : base(message)
    {
        _text = text;
        _stackTrace = stackTrace;
    }

    /// <summary>The original exception's type name.</summary>
    public string OriginalType { get; private init; } = "";

    public override string? StackTrace => _stackTrace;

    public static ScrubbedException From(Exception exception, string? apiKey) =>
        new($"{exception.GetType().FullName}: {SecretRedactor.Redact(exception.Message, apiKey)}",
            SecretRedactor.Redact(exception.ToString(), apiKey),
            exception.StackTrace is { } stack ? SecretRedactor.Redact(stack, apiKey) : null)
        {
            OriginalType = exception.GetType().FullName ?? exception.GetType().Name,
        };

    public override string ToString() => _text;
}
