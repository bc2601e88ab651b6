using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Backlinks.Jobs;

/// <summary>
/// The queue message: versioned, small, and keyed on the job id so that a redelivery is harmless.
/// <see cref="Token"/> marks re-sent (delayed) messages; a message whose token the job no longer holds is stale.
/// </summary>
public sealed record JobMessage(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("token")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Token = null)
{
    public const int CurrentVersion = 1;

    public static JobMessage For(JobId id, string? token = null) => new(CurrentVersion, id.ToString(), token);

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
