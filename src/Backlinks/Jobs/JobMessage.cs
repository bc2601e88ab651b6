using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using Backlinks.Domains;

namespace Backlinks.Jobs;

/// <summary>
/// The queue message: versioned, small, keyed on the job id so that a redelivery is harmless, and
/// (from v2) carrying everything the job needs, so that a message whose row was never written still
/// runs: the processor rebuilds the row from it. A re-sent (delayed) message carries the next
/// <see cref="Seq"/> and a fresh <see cref="Token"/>; the job row records both once it is updated. A
/// lower or different one is stale; a higher one is ahead of its row and is retried, not dropped.
/// Optionally (still v2: older readers ignore it, and messages without it still run) it carries the W3C
/// trace context of the submission or the previous attempt, so that a job's attempts make one trace.
/// </summary>
public sealed record JobMessage(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("domain")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Domain = null,
    [property: JsonPropertyName("onePerDomain")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool OnePerDomain = false,
    [property: JsonPropertyName("force")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Force = false,
    [property: JsonPropertyName("createdAtUtc")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? CreatedAtUtc = null,
    [property: JsonPropertyName("token")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Token = null,
    [property: JsonPropertyName("seq")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int Seq = 0,
    [property: JsonPropertyName("traceparent")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TraceParent = null,
    [property: JsonPropertyName("tracestate")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TraceState = null)
{
    public const int CurrentVersion = 2;

    /// <summary>v1 carried the job id only; such messages still run while their rows exist.</summary>
    public const int IdOnlyVersion = 1;

    /// <summary>The first message of a new job.</summary>
    public static JobMessage ForNew(JobId id, string domain, bool onePerDomain, bool force, DateTimeOffset createdAtUtc) =>
        new(CurrentVersion, id.ToString(), domain, onePerDomain, force, createdAtUtc.ToUniversalTime());

    /// <summary>The message the job row currently expects.</summary>
    public static JobMessage For(JobEntity job) =>
        new(CurrentVersion, job.JobId, job.Domain, job.OnePerDomain, job.Force, job.CreatedAtUtc, job.MessageToken, job.MessageSeq);

    /// <summary>The message carrying <paramref name="activity"/>'s trace context (W3C <c>traceparent</c>/<c>tracestate</c>); unchanged without one.</summary>
    public JobMessage WithTraceOf(Activity? activity) =>
        activity is { IdFormat: ActivityIdFormat.W3C, Id: { } id } ? this with { TraceParent = id, TraceState = activity.TraceStateString } : this;

    /// <summary>The trace context the message carries, if it carries a valid one.</summary>
    public ActivityContext? TraceContext() =>
        TraceParent is { } parent && ActivityContext.TryParse(parent, TraceState, isRemote: true, out var context) ? context : null;

    /// <summary>True when the message can rebuild its job row.</summary>
    [JsonIgnore]
    public bool DescribesJob => Domain is not null && CreatedAtUtc is not null;

    public string ToJson() => JsonSerializer.Serialize(this);

    public static bool TryParse(string? body, [NotNullWhen(true)] out JobMessage? message, [NotNullWhen(false)] out string? error)
    {
        message = null;
        JobMessage? read;
        try
        {
            read = JsonSerializer.Deserialize<JobMessage>(body ?? "");
        }
        catch (JsonException)
        {
            error = "the message is not JSON";
            return false;
        }
        error = read switch
        {
            null or { Version: not (CurrentVersion or IdOnlyVersion) } => $"unsupported message version (expected v={CurrentVersion})",
            _ when !Jobs.JobId.TryParse(read.JobId, out _) => "the message has no valid jobId",
            { Version: CurrentVersion, Domain: null } or { Version: CurrentVersion, CreatedAtUtc: null } => "the message lacks its domain or creation time",
            { Domain: { } domain } when DomainName.Normalize(domain) is not { IsValid: true } normalized || normalized.Domain != domain => "the message's domain is not a normalized domain",
            _ => null,
        };
        if (error is not null)
        {
            return false;
        }
        message = read!;
        return true;
    }

    [JsonIgnore]
    public JobId Id => Jobs.JobId.TryParse(JobId, out var id) ? id : throw new InvalidOperationException("Not a parsed message.");
}
