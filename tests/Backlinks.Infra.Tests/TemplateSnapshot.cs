using System.Text;
using System.Text.Json.Nodes;

namespace Backlinks.Infra.Tests;

/// <summary>
/// What infra/main.bicep deploys for one set of parameters, evaluated offline by <c>bicep snapshot</c>:
/// every resource of every module with its expressions resolved (except values only Azure knows, such as
/// an identity's principal id). Where the compiled template can only show an expression, a snapshot shows
/// the value a deployment would send.
/// </summary>
public sealed class TemplateSnapshot
{
    private const string SubscriptionId = "00000000-0000-0000-0000-000000000000";

    /// <summary>Only the parameters azd always passes; everything else at its default.</summary>
    public static readonly Lazy<TemplateSnapshot> Defaults = new(() => Take(new Dictionary<string, object>()));

    private TemplateSnapshot(JsonArray resources) => Resources = resources.Select(r => r!.AsObject()).ToList();

    public IReadOnlyList<JsonObject> Resources { get; }

    public IEnumerable<JsonObject> OfType(string type) =>
        Resources.Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase));

    public JsonObject Single(string type) => Assert.Single(OfType(type));

    /// <summary>Role assignments whose role definition id ends with this role's GUID.</summary>
    public IEnumerable<JsonObject> RoleAssignments(string roleId) =>
        OfType("Microsoft.Authorization/roleAssignments").Where(a => ((string)a["properties"]!["roleDefinitionId"]!).EndsWith(roleId, StringComparison.OrdinalIgnoreCase));

    /// <summary>Takes a snapshot with these parameters on top of the ones azd always passes.</summary>
    public static TemplateSnapshot Take(IReadOnlyDictionary<string, object> parameters)
    {
        var directory = Directory.CreateTempSubdirectory("backlinks-infra-");
        try
        {
            var main = Path.GetRelativePath(directory.FullName, Path.Combine(CompiledTemplate.RepoRoot, "infra", "main.bicep")).Replace('\\', '/');
            var all = new Dictionary<string, object>
            {
                ["environmentName"] = "snapshot",
                ["location"] = "westeurope",
                ["domDetailerApiKey"] = "not-a-real-key",
                ["principalId"] = "00000000-0000-0000-0000-00000000000a",
            };
            foreach (var (name, value) in parameters)
            {
                all[name] = value;
            }

            var file = new StringBuilder($"using '{main}'\n");
            foreach (var (name, value) in all)
            {
                file.Append($"param {name} = {Literal(value)}\n");
            }
            var paramsFile = Path.Combine(directory.FullName, "test.bicepparam");
            File.WriteAllText(paramsFile, file.ToString());

            var (snapshot, diagnostics) = BicepRpc.Instance.Snapshot(paramsFile, SubscriptionId, SubscriptionId, (string)all["location"]);
            if (snapshot is null)
            {
                throw new SnapshotFailedException(diagnostics);
            }
            return new TemplateSnapshot(JsonNode.Parse(snapshot)!["predictedResources"]!.AsArray());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string Literal(object value) => value switch
    {
        bool b => b ? "true" : "false",
        int i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        string s => $"'{s.Replace("\\", "\\\\").Replace("'", "\\'")}'",
        _ => throw new ArgumentException($"No Bicep literal for {value.GetType()}"),
    };
}

public sealed class SnapshotFailedException(string diagnostics) : Exception(diagnostics);
