namespace Backlinks.DomDetailer;

/// <summary>Every way a Backlinks call can end. Expected outcomes are values, not exceptions.</summary>
public abstract record BacklinksFetchResult;

/// <summary>200 with a usable body: the bytes exactly as received, and what they say.</summary>
public sealed record BacklinksFetched(ReadOnlyMemory<byte> RawJson, BacklinksResponse Response) : BacklinksFetchResult;

/// <summary>
/// 200, paid for, but not the documented JSON. Calling again would pay again for what may be the same
/// answer, so the job stores the bytes and fails at once; a retry is the user's explicit choice.
/// </summary>
public sealed record BacklinksMalformed(ReadOnlyMemory<byte> RawBody, string Reason) : BacklinksFetchResult;

/// <summary>429. <see cref="RetryAfter"/> is the server's wish, when it sent one.</summary>
public sealed record BacklinksRateLimited(TimeSpan? RetryAfter) : BacklinksFetchResult;

/// <summary>402: the account has no credits left.</summary>
public sealed record BacklinksOutOfCredits(TimeSpan? RetryAfter) : BacklinksFetchResult;

/// <summary>
/// 400 (or another 4xx the API does not document): retrying cannot help. <see cref="Error"/> and
/// <see cref="Message"/> are the API's own fields, with the key masked, or a neutral description.
/// </summary>
public sealed record BacklinksInvalidRequest(int Status, string? Error, string? Message) : BacklinksFetchResult
{
    /// <summary>"HTTP 400 invalid_parameter", or "HTTP 400" when the answer named no error.</summary>
    public string StatusText => ApiErrorText.Status(Status, Error);
}

/// <summary>
/// 401 or 403: the key is missing, wrong or inactive: a configuration error. <see cref="Error"/> and
/// <see cref="Message"/> are the API's own fields, with the key masked; never other text of the answer.
/// </summary>
public sealed record BacklinksInvalidApiKey(string? Error, string? Message) : BacklinksFetchResult
{
    /// <summary>The HTTP status the API answered: 401 or 403.</summary>
    public int Status { get; init; } = 401;

    /// <summary>"HTTP 401 invalid_key", or "HTTP 401" when the answer named no error.</summary>
    public string StatusText => ApiErrorText.Status(Status, Error);
}

/// <summary>An API error for people: no empty parentheses or dangling colons when the answer left fields out.</summary>
public static class ApiErrorText
{
    public static string Status(int status, string? error) =>
        string.IsNullOrWhiteSpace(error) ? $"HTTP {status}" : $"HTTP {status} {error}";

    /// <summary>The status, then the API's message when it gave one.</summary>
    public static string WithMessage(string statusText, string? message) =>
        string.IsNullOrWhiteSpace(message) ? statusText : $"{statusText}: {message}";
}

/// <summary>Not sent: the account's pause began while the call waited for its turn. Nothing was asked or paid.</summary>
public sealed record BacklinksWithheld : BacklinksFetchResult;

/// <summary>5xx, timeout or connection failure: no answer was paid for.</summary>
public sealed record BacklinksTransientFailure(string Reason) : BacklinksFetchResult;

/// <summary>What the balance endpoint said.</summary>
public abstract record BalanceResult;

/// <summary>Credits left on the account.</summary>
public sealed record BalanceKnown(long UnitsLeft) : BalanceResult;

/// <summary>The key was refused (401, 403, or the plain text "Account Not Found"). <see cref="Detail"/> never quotes the answer.</summary>
public sealed record BalanceInvalidApiKey(string Detail) : BalanceResult;

/// <summary>No usable answer: server error, timeout, or a body of another shape.</summary>
public sealed record BalanceUnknown(string Reason) : BalanceResult;
