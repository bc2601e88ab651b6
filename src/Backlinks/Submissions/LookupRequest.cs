namespace Backlinks.Submissions;

/// <summary>
/// One input as the caller wrote it; <see cref="Line"/> is set for line-based bodies and files, and
/// <see cref="Columns"/> holds the other fields of a CSV row under a header, by lower-case column name.
/// </summary>
public sealed record DomainInput(string Value, int? Line = null, IReadOnlyDictionary<string, string>? Columns = null);

/// <summary>A parsed submission: the raw inputs and the options that apply to all of them.</summary>
public sealed record LookupRequest(IReadOnlyList<DomainInput> Inputs, bool OnePerDomain, bool Force);

/// <summary>Why a submission was refused as a whole; maps to an HTTP status and a one-line CLI message.</summary>
public sealed record SubmissionProblem(int StatusCode, string Error, string Message)
{
    public static SubmissionProblem BadRequest(string error, string message) => new(400, error, message);
}

/// <summary>The documented limits of one submission.</summary>
public static class SubmissionLimits
{
    public const int MaxDomains = 10_000;
    public const int MaxBodyBytes = 1024 * 1024;
}
