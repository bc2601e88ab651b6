using System.Text.Json;
using System.Text.Json.Serialization;

namespace Backlinks.Operations;

/// <summary>An enum written as a camelCase string (<c>notPaused</c>), like every other name in the JSON the app writes.</summary>
public sealed class CamelCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase)
    where TEnum : struct, Enum;
