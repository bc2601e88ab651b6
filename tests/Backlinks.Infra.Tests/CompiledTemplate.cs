using System.Reflection;
using System.Text.Json.Nodes;

namespace Backlinks.Infra.Tests;

/// <summary>
/// infra/main.bicep compiled once per test run by the Bicep CLI from NuGet (offline, linter on,
/// with infra/bicepconfig.json), and ways to look into the ARM JSON it produced.
/// </summary>
public sealed class CompiledTemplate
{
    private static readonly Lazy<CompiledTemplate> Compiled = new(Compile);

    private CompiledTemplate(bool succeeded, string json, string diagnostics)
    {
        Succeeded = succeeded;
        Json = json;
        Diagnostics = diagnostics;
        Root = succeeded ? JsonNode.Parse(json)!.AsObject() : new JsonObject();
    }

    public static CompiledTemplate Main => Compiled.Value;

    public static string RepoRoot { get; } = Metadata("RepoRoot");

    public bool Succeeded { get; }

    /// <summary>The ARM JSON as text, for whole-template searches.</summary>
    public string Json { get; }

    /// <summary>Every diagnostic Bicep reported, one per line as its CLI prints them: errors and linter warnings.</summary>
    public string Diagnostics { get; }

    public JsonObject Root { get; }

    /// <summary>The template of the module deployed under this deployment name.</summary>
    public JsonObject Module(string deploymentName) =>
        Resources(Root).Single(r => (string?)r["type"] == "Microsoft.Resources/deployments" && (string?)r["name"] == deploymentName)
            ["properties"]!["template"]!.AsObject();

    /// <summary>Every resource of a template, in nested module templates too.</summary>
    public static IEnumerable<JsonObject> AllResources(JsonObject template)
    {
        foreach (var resource in Resources(template))
        {
            yield return resource;
            if (resource["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in AllResources(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    public static IEnumerable<JsonObject> Resources(JsonObject template) => template["resources"] switch
    {
        JsonArray array => array.Select(r => r!.AsObject()),
        JsonObject symbolic => symbolic.Select(p => p.Value!.AsObject()),
        _ => [],
    };

    public static IEnumerable<JsonObject> OfType(JsonObject template, string type) =>
        AllResources(template).Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase));

    private static CompiledTemplate Compile()
    {
        var (success, contents, diagnostics) = BicepRpc.Instance.Compile(Path.Combine(RepoRoot, "infra", "main.bicep"));
        return new CompiledTemplate(success, contents, diagnostics);
    }

    internal static string Metadata(string key) =>
        typeof(CompiledTemplate).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
