using System.Text.Json;
using Backlinks.Submissions;

namespace Backlinks.Watching;

/// <summary>A bulk addition as it arrives: a body in a format of <c>POST /api/lookups</c>, and the settings for every domain in it.</summary>
public sealed record WatchAddInput(ReadOnlyMemory<byte> Body, SubmissionFormat Format, WatchSettings Settings);

/// <summary>A domain to watch, the input that named it, and its settings.</summary>
public sealed record WatchItem(string Domain, DomainInput Input, WatchSettings Settings);

/// <summary>What a bulk addition will do before anything is written.</summary>
public sealed record WatchAddPlan(IReadOnlyList<WatchItem> Items, IReadOnlyList<DuplicateInput> Duplicates, IReadOnlyList<RejectedInput> Rejected);

/// <summary>
/// Reads a bulk addition with <see cref="LookupRequestParser"/> and <see cref="SubmissionPlan"/> (the same
/// formats, limits, normalization and rejects as a submission), plus the watch settings: a JSON body's
/// <c>group</c>, <c>every</c>, <c>enabled</c> (and <c>onePerDomain</c>), and a CSV's <c>group</c> and <c>every</c> columns.
/// </summary>
public static class WatchRequestParser
{
    public const int MaxGroupLength = 200;

    public static (WatchAddPlan? Plan, SubmissionProblem? Problem) Parse(WatchAddInput input)
    {
        var parsed = LookupRequestParser.Parse(input.Body, input.Format, input.Settings.OnePerDomain ?? false);
        if (parsed.Problem is { } problem)
        {
            return (null, problem);
        }
        var settings = input.Settings;
        if (input.Format == SubmissionFormat.Json)
        {
            if (ReadJsonSettings(input.Body, settings, out var jsonProblem) is not { } fromJson)
            {
                return (null, jsonProblem!);
            }
            settings = fromJson;
        }

        var plan = SubmissionPlan.For(parsed.Request!);
        var items = new List<WatchItem>();
        var rejected = plan.Rejected.ToList();
        foreach (var lookup in plan.Lookups)
        {
            if (RowSettings(lookup.Input, settings, out var error) is { } row)
            {
                items.Add(new WatchItem(lookup.Domain, lookup.Input, row));
            }
            else
            {
                rejected.Add(new RejectedInput(lookup.Input, error!));
            }
        }
        return (new WatchAddPlan(items, plan.Duplicates, rejected), null);
    }

    /// <summary>Checks a group name; null when it is fine.</summary>
    public static string? GroupError(string? group) =>
        group is null ? null
        : group.Length > MaxGroupLength ? $"the group is longer than {MaxGroupLength} characters"
        : group.Any(char.IsControl) ? "the group holds a control character"
        : null;

    /// <summary>Reads the settings of a JSON object (<c>PUT /api/watchlist/{domain}</c>, or a bulk body); null and a problem when one is not valid.</summary>
    public static WatchSettings? ReadJsonSettings(ReadOnlyMemory<byte> body, WatchSettings defaults, out SubmissionProblem? problem)
    {
        problem = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body);
        }
        catch (JsonException e)
        {
            problem = SubmissionProblem.BadRequest("malformed_json", $"The body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
            return null;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = SubmissionProblem.BadRequest("malformed_json", "The body must be a JSON object: {\"group\": …, \"every\": …, \"onePerDomain\": …, \"enabled\": …}.");
                return null;
            }
            var settings = defaults;
            if (Field(root, "group") is { } group)
            {
                if (group.ValueKind != JsonValueKind.String)
                {
                    problem = SubmissionProblem.BadRequest("invalid_field", "\"group\" must be a string.");
                    return null;
                }
                if (GroupError(group.GetString()) is { } error)
                {
                    problem = SubmissionProblem.BadRequest("invalid_group", $"{error}.");
                    return null;
                }
                settings = settings with { Group = group.GetString() };
            }
            if (Field(root, "every") is { } every)
            {
                if (every.ValueKind != JsonValueKind.String)
                {
                    problem = SubmissionProblem.BadRequest("invalid_interval", $"\"every\" must be a string: {WatchInterval.AcceptedForms}.");
                    return null;
                }
                if (!WatchInterval.TryParse(every.GetString(), out var interval, out var error))
                {
                    problem = SubmissionProblem.BadRequest("invalid_interval", error);
                    return null;
                }
                settings = settings with { Every = interval };
            }
            foreach (var name in new[] { "onePerDomain", "enabled" })
            {
                if (Field(root, name) is not { } flag)
                {
                    continue;
                }
                if (flag.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    problem = SubmissionProblem.BadRequest("invalid_field", $"\"{name}\" must be true or false.");
                    return null;
                }
                settings = name == "enabled" ? settings with { Enabled = flag.GetBoolean() } : settings with { OnePerDomain = flag.GetBoolean() };
            }
            return settings;
        }
    }

    private static JsonElement? Field(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static WatchSettings? RowSettings(DomainInput input, WatchSettings settings, out string? error)
    {
        error = null;
        if (input.Columns is not { } columns)
        {
            return settings;
        }
        if (columns.TryGetValue("group", out var group) && group.Length > 0)
        {
            if (GroupError(group) is { } groupError)
            {
                error = groupError;
                return null;
            }
            settings = settings with { Group = group };
        }
        if (columns.TryGetValue("every", out var everyText) && everyText.Length > 0)
        {
            if (!WatchInterval.TryParse(everyText, out var every, out var everyError))
            {
                error = everyError;
                return null;
            }
            settings = settings with { Every = every };
        }
        return settings;
    }
}
