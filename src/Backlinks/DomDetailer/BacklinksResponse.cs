using System.Text.Json;
using System.Text.Json.Serialization;

namespace Backlinks.DomDetailer;

/// <summary>The Backlinks API's answer, read tolerantly: unknown fields are ignored, numbers may come as strings.</summary>
public sealed class BacklinksResponse
{
    [JsonPropertyName("domain")]
    public string? Domain { get; init; }

    [JsonPropertyName("metrics")]
    public BacklinkMetrics? Metrics { get; init; }

    [JsonPropertyName("backlinks")]
    public IReadOnlyList<Backlink> Backlinks { get; init; } = [];
}

/// <summary>The link-profile summary at the top of a response.</summary>
public sealed class BacklinkMetrics
{
    [JsonPropertyName("page_count")] public long PageCount { get; init; }
    [JsonPropertyName("links_in")] public long LinksIn { get; init; }
    [JsonPropertyName("links_out")] public long LinksOut { get; init; }
    [JsonPropertyName("backlinks_follow")] public long BacklinksFollow { get; init; }
    [JsonPropertyName("backlinks_nofollow")] public long BacklinksNofollow { get; init; }
    [JsonPropertyName("nofollow_ratio")] public double NofollowRatio { get; init; }
    [JsonPropertyName("ref_domains")] public long RefDomains { get; init; }
    [JsonPropertyName("links_from_gov")] public long LinksFromGov { get; init; }
    [JsonPropertyName("links_from_edu")] public long LinksFromEdu { get; init; }
}

/// <summary>One backlink row of the sample.</summary>
public sealed class Backlink
{
    [JsonPropertyName("anchor")] public string? RawAnchor { get; init; }
    [JsonPropertyName("title")] public string? Title { get; init; }
    /// <summary>1 = nofollow, 0 = dofollow; read from 1, 0, "1", "0" and other spellings (see <see cref="NofollowFlagConverter"/>).</summary>
    [JsonPropertyName("nf")]
    [JsonConverter(typeof(NofollowFlagConverter))]
    public int Nf { get; init; }
    [JsonPropertyName("source")] public string? Source { get; init; }
    [JsonPropertyName("target")] public string? Target { get; init; }

    /// <summary>The API documents that an empty anchor falls back to the title.</summary>
    [JsonIgnore]
    public string? Anchor => string.IsNullOrEmpty(RawAnchor) ? Title : RawAnchor;

    [JsonIgnore]
    public bool IsNofollow => Nf == 1;
}

/// <summary>
/// Reads <c>nf</c> without failing a paid answer over its spelling: a number (non-zero is nofollow),
/// a string holding one (<c>"1"</c>, <c>"0"</c>, <c>" 1 "</c>), <c>true</c>/<c>false</c> as JSON or text,
/// and <c>null</c> or <c>""</c> (dofollow, as a missing <c>nf</c> is). Anything else also reads as dofollow.
/// </summary>
public sealed class NofollowFlagConverter : JsonConverter<int>
{
    public override int Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetDouble(out var number) && number != 0 ? 1 : 0;
            case JsonTokenType.True:
                return 1;
            case JsonTokenType.String:
                var text = reader.GetString()!.Trim();
                return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
                    ? (parsed != 0 ? 1 : 0)
                    : string.Equals(text, "true", StringComparison.OrdinalIgnoreCase) ? 1 : 0;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                reader.Skip();
                return 0;
            default:
                return 0;
        }
    }

    public override void Write(Utf8JsonWriter writer, int value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
}

/// <summary>Reads a response body; a body that is not JSON or lacks <c>metrics</c> is malformed.</summary>
public static class BacklinksResponseParser
{
    private static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNameCaseInsensitive = true,
    };

    public static bool TryParse(ReadOnlySpan<byte> json, out BacklinksResponse? response, out string? error)
    {
        response = null;
        try
        {
            response = JsonSerializer.Deserialize<BacklinksResponse>(json, Options);
        }
        catch (JsonException e)
        {
            error = $"not the expected JSON ({e.Path ?? "root"}, line {e.LineNumber + 1})";
            return false;
        }

        if (response?.Metrics is null)
        {
            error = "no metrics object";
            response = null;
            return false;
        }
        error = null;
        return true;
    }
}
