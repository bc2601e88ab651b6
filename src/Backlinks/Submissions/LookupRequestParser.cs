using System.Text;
using System.Text.Json;
using Microsoft.VisualBasic.FileIO;

namespace Backlinks.Submissions;

/// <summary>The formats a submission can arrive in.</summary>
public enum SubmissionFormat
{
    Json,
    Lines,
    Csv,
}

/// <summary>
/// Turns a request body (JSON, one domain per line, or CSV) into inputs. Validation of each domain
/// happens later, in <see cref="SubmissionPlan"/>, so that every format reports rejects the same way.
/// </summary>
public static class LookupRequestParser
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Maps a Content-Type header to a format; null when the media type is not supported.</summary>
    public static SubmissionFormat? FormatFor(string? contentType, ReadOnlySpan<byte> body)
    {
        var mediaType = contentType?.Split(';', 2)[0].Trim().ToLowerInvariant();
        return mediaType switch
        {
            null or "" => FormatForContent(body),
            "application/json" => SubmissionFormat.Json,
            _ when mediaType.EndsWith("+json", StringComparison.Ordinal) => SubmissionFormat.Json,
            "text/plain" => SubmissionFormat.Lines,
            "text/csv" or "application/csv" => SubmissionFormat.Csv,
            _ => null,
        };
    }

    /// <summary>Maps a file name to a format, for the command line.</summary>
    public static SubmissionFormat FormatForFile(string path, ReadOnlySpan<byte> body) =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".csv" => SubmissionFormat.Csv,
            ".json" => SubmissionFormat.Json,
            _ => FormatForContent(body),
        };

    /// <summary>
    /// The format a body's content shows: JSON when it starts with an object; CSV when its first line
    /// (past blanks and # comments) has commas or is a lone <c>domain</c> header, as no domain has a comma;
    /// one domain per line otherwise. For stdin and bodies sent without a Content-Type.
    /// </summary>
    public static SubmissionFormat FormatForContent(ReadOnlySpan<byte> body)
    {
        if (LooksLikeJson(body))
        {
            return SubmissionFormat.Json;
        }
        foreach (var rawLine in body.Split((byte)'\n'))
        {
            var line = body[rawLine].Trim(" \t\r\uFEFF"u8);
            if (line.IsEmpty || line[0] == (byte)'#')
            {
                continue;
            }
            var header = line.Trim("\"'"u8);
            return line.Contains((byte)',') || Ascii.EqualsIgnoreCase(header, "domain"u8) ? SubmissionFormat.Csv : SubmissionFormat.Lines;
        }
        return SubmissionFormat.Lines;
    }

    /// <summary>A NUL in a quarter of the bytes or more: ASCII text in UTF-16 (a stray NUL in a line is that line's problem).</summary>
    private static bool LooksLikeUtf16(ReadOnlySpan<byte> body) => body.Length >= 4 && body.Count((byte)0) * 4 >= body.Length;

    public static ParsedSubmission Parse(ReadOnlyMemory<byte> body, SubmissionFormat format, bool onePerDomain = false, bool force = false)
    {
        if (body.Length > SubmissionLimits.MaxBodyBytes)
        {
            return ParsedSubmission.Refused(TooLarge());
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(body.Span);
        }
        catch (DecoderFallbackException)
        {
            return ParsedSubmission.Refused(SubmissionProblem.BadRequest("invalid_encoding", "The input is not valid UTF-8 text."));
        }
        text = text.TrimStart('\uFEFF');
        if (LooksLikeUtf16(body.Span))
        {
            // Valid UTF-8 byte for byte, but every other byte a NUL: UTF-16 text without its byte order mark.
            return ParsedSubmission.Refused(SubmissionProblem.BadRequest("invalid_encoding", "The input is not valid UTF-8 text: it looks like UTF-16 (every other byte is NUL); save it as UTF-8."));
        }

        var parsed = format switch
        {
            SubmissionFormat.Json => ParseJson(text),
            SubmissionFormat.Csv => ParseCsv(text, onePerDomain, force),
            _ => ParseLines(text, onePerDomain, force),
        };
        if (parsed.Request is { } request)
        {
            if (request.Inputs.Count == 0)
            {
                return ParsedSubmission.Refused(SubmissionProblem.BadRequest("no_domains", "The input holds no domain."));
            }
            if (request.Inputs.Count > SubmissionLimits.MaxDomains)
            {
                return ParsedSubmission.Refused(new SubmissionProblem(413, "too_many_domains",
                    $"{request.Inputs.Count} domains in one submission; the limit is {SubmissionLimits.MaxDomains}. Split the list."));
            }
        }
        return parsed;
    }

    public static SubmissionProblem TooLarge() => new(413, "body_too_large",
        $"The input is larger than {SubmissionLimits.MaxBodyBytes} bytes; split the list.");

    private static bool LooksLikeJson(ReadOnlySpan<byte> body)
    {
        foreach (var b in body)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF)
            {
                continue;
            }
            return b == (byte)'{';
        }
        return false;
    }

    private static ParsedSubmission ParseLines(string text, bool onePerDomain, bool force)
    {
        var inputs = new List<DomainInput>();
        var lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }
            inputs.Add(new DomainInput(line.ToString(), lineNumber));
        }
        return ParsedSubmission.Of(new LookupRequest(inputs, onePerDomain, force));
    }

    private static ParsedSubmission ParseCsv(string text, bool onePerDomain, bool force)
    {
        using var parser = new TextFieldParser(new StringReader(text))
        {
            TextFieldType = FieldType.Delimited,
            HasFieldsEnclosedInQuotes = true,
            TrimWhiteSpace = true,
        };
        parser.SetDelimiters(",", ";", "\t");

        var inputs = new List<DomainInput>();
        int? column = null;
        string[]? header = null;
        try
        {
            while (!parser.EndOfData)
            {
                var line = (int)parser.LineNumber;
                var fields = parser.ReadFields();
                if (fields is null || fields.All(string.IsNullOrWhiteSpace))
                {
                    continue;
                }
                if (column is null)
                {
                    var domainColumn = Array.FindIndex(fields, f => f.Equals("domain", StringComparison.OrdinalIgnoreCase));
                    column = domainColumn >= 0 ? domainColumn : 0;
                    if (domainColumn >= 0)
                    {
                        header = fields.Select(f => f.ToLowerInvariant()).ToArray();
                        continue;
                    }
                }
                var value = column < fields.Length ? fields[column.Value] : "";
                if (value.Length > 0 && !value.StartsWith('#'))
                {
                    inputs.Add(new DomainInput(value, line, header is null ? null : OtherColumns(header, fields, column.Value)));
                }
            }
        }
        catch (MalformedLineException e)
        {
            return ParsedSubmission.Refused(SubmissionProblem.BadRequest("malformed_csv",
                $"CSV line {e.LineNumber} cannot be parsed (unbalanced quotes?)."));
        }
        return ParsedSubmission.Of(new LookupRequest(inputs, onePerDomain, force));
    }

    private static Dictionary<string, string> OtherColumns(string[] header, string[] fields, int domainColumn)
    {
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < Math.Min(header.Length, fields.Length); i++)
        {
            if (i != domainColumn && header[i].Length > 0)
            {
                columns.TryAdd(header[i], fields[i]);
            }
        }
        return columns;
    }

    private static ParsedSubmission ParseJson(string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            return ParsedSubmission.Refused(SubmissionProblem.BadRequest("malformed_json",
                $"The input is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})."));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ParsedSubmission.Refused(SubmissionProblem.BadRequest("malformed_json",
                    "The input must be a JSON object: {\"domain\": \"…\"} or {\"domains\": [\"…\"]}."));
            }

            if (!TryReadFlag(root, "onePerDomain", out var onePerDomain, out var problem) ||
                !TryReadFlag(root, "force", out var force, out problem))
            {
                return ParsedSubmission.Refused(problem!);
            }

            var hasOne = root.TryGetProperty("domain", out var one);
            var hasMany = root.TryGetProperty("domains", out var many);
            if (hasOne == hasMany)
            {
                return ParsedSubmission.Refused(SubmissionProblem.BadRequest("missing_domain",
                    "Give exactly one of \"domain\" (a string) or \"domains\" (an array of strings)."));
            }

            var inputs = new List<DomainInput>();
            if (hasOne)
            {
                if (one.ValueKind != JsonValueKind.String)
                {
                    return ParsedSubmission.Refused(SubmissionProblem.BadRequest("invalid_field", "\"domain\" must be a string."));
                }
                inputs.Add(new DomainInput(one.GetString()!));
            }
            else
            {
                if (many.ValueKind != JsonValueKind.Array)
                {
                    return ParsedSubmission.Refused(SubmissionProblem.BadRequest("invalid_field", "\"domains\" must be an array of strings."));
                }
                foreach (var item in many.EnumerateArray())
                {
                    // A non-string item is kept as its JSON text so that it is rejected with the others, by position.
                    inputs.Add(new DomainInput(item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText()));
                }
            }
            return ParsedSubmission.Of(new LookupRequest(inputs, onePerDomain, force));
        }
    }

    private static bool TryReadFlag(JsonElement root, string name, out bool value, out SubmissionProblem? problem)
    {
        value = false;
        problem = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }
        if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            value = element.GetBoolean();
            return true;
        }
        problem = SubmissionProblem.BadRequest("invalid_field", $"\"{name}\" must be true or false.");
        return false;
    }
}

/// <summary>Either a request or the problem that refused it.</summary>
public sealed record ParsedSubmission(LookupRequest? Request, SubmissionProblem? Problem)
{
    public static ParsedSubmission Of(LookupRequest request) => new(request, null);

    public static ParsedSubmission Refused(SubmissionProblem problem) => new(null, problem);
}
