using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Backlinks.Jobs;

/// <summary>
/// The queue message: versioned, small, and keyed on the job id so that a redelivery is harmless.
/// A re-sent (delayed) message carries the next <see cref="Seq"/> and a fresh <see cref="Token"/>; the
/// job row records both once it is updated. A lower or different one is stale; a higher one is ahead
/// of its row (the row update is still under way) and is retried, not dropped.
/// </summary>
public sealed record JobMessage(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("token")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Token = null,
    [property: JsonPropertyName("seq")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int Seq = 0)
{
    public const int CurrentVersion = 1;

    /// <summary>The first message of a job.</summary>
    public static JobMessage For(JobId id) => new(CurrentVersion, id.ToString());

    /// <summary>The message the job row currently expects.</summary>
    public static JobMessage For(JobEntity job) => new(CurrentVersion, job.JobId, job.MessageToken, job.MessageSeq);

    public string ToJson() => JsonSerializer.Serialize(this);

    public static bool TryParse(string? body, [NotNullWhen(true)] out JobMessage? message, [NotNullWhen(false)] out string? error)
    {
        message = null;
        try
        {
            message = JsonSerializer.Deserialize<JobMessage>(body ?? "");
        }
        catch (JsonException)
        {
            error = "the message is not JSON";
            return false;
        }
        if (message is null || message.Version != CurrentVersion)
        {
            error = $"unsupported message version (expected v={CurrentVersion})";
            message = null;
            return false;
        }
        if (!Jobs.JobId.TryParse(message.JobId, out _))
        {
            error = "the message has no valid jobId";
            message = null;
            return false;
        }
        error = null;
        return true;
    }

    [JsonIgnore]
    public JobId Id => Jobs.JobId.TryParse(JobId, out var id) ? id : throw new InvalidOperationException("Not a parsed message.");
}
