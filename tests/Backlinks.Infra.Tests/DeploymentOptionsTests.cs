using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Backlinks.Infra.Tests;

/// <summary>
/// The deployment's options (region, principal type, reporting access, instance cap, budget): their
/// defaults in the compiled template, and what each one changes in a snapshot of the deployment.
/// </summary>
public partial class DeploymentOptionsTests
{
    private const string TableDataReader = "76199698-9eea-4c19-bc75-cec21354c6b6";
    private const string Deployer = "00000000-0000-0000-0000-00000000000a";
    private const string ReaderA = "11111111-1111-1111-1111-111111111111";
    private const string ReaderB = "22222222-2222-2222-2222-222222222222";

    private static readonly CompiledTemplate Template = CompiledTemplate.Main;

    /// <summary>Every option away from its default.</summary>
    private static readonly Lazy<TemplateSnapshot> Everything = new(() => TemplateSnapshot.Take(new Dictionary<string, object>
    {
        ["principalType"] = "ServicePrincipal",
        ["reportingAccountKeyAccess"] = true,
        ["reportReaderPrincipalIds"] = $" {ReaderA}, {ReaderB},,{ReaderA} ",
        ["maximumInstanceCount"] = 100,
        ["dailyCreditBudget"] = 300,
        ["watchListSchedule"] = "0 0 * * * *",
    }));

    private static TemplateSnapshot Defaults => TemplateSnapshot.Defaults.Value;

    private static JsonObject Parameter(string name) => Template.Root["parameters"]![name]!.AsObject();

    private static JsonObject StorageAccount(TemplateSnapshot snapshot) =>
        snapshot.Single("Microsoft.Storage/storageAccounts")["properties"]!.AsObject();

    private static JsonObject AppSettings(TemplateSnapshot snapshot) =>
        snapshot.Single("Microsoft.Web/sites/config")["properties"]!.AsObject();

    private static List<JsonObject> DeployerRoles(TemplateSnapshot snapshot) =>
        snapshot.OfType("Microsoft.Authorization/roleAssignments").Where(a => (string?)a["properties"]!["principalId"] == Deployer).ToList();

    [Fact]
    public void Location_is_limited_to_the_flex_consumption_regions_of_microsofts_azd_template()
    {
        // Azure-Samples/functions-quickstart-dotnet-azd, infra/main.bicep, less the canary region eastus2euap.
        string[] flexRegions =
        [
            "australiaeast", "centralindia", "centralus", "eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral",
            "northcentralus", "northeurope", "southcentralus", "southeastasia", "swedencentral", "uksouth", "westcentralus",
            "westeurope", "westus2",
        ];

        Assert.Equal(flexRegions, Parameter("location")["allowedValues"]!.AsArray().Select(v => (string?)v));
        Assert.Equal("location", (string?)Parameter("location")["metadata"]!["azd"]!["type"]);
    }

    [Fact]
    public void A_region_outside_the_list_is_refused_before_anything_is_deployed()
    {
        var refused = Assert.Throws<SnapshotFailedException>(() => TemplateSnapshot.Take(new Dictionary<string, object> { ["location"] = "eastus2euap" }));

        // BCP033: the value is not of the parameter's type, the union of the allowed regions.
        Assert.Contains("BCP033", refused.Message);
        Assert.Contains("'eastus2euap'", refused.Message);
    }

    [Fact]
    public void Principal_type_defaults_to_user_and_follows_AZURE_PRINCIPAL_TYPE()
    {
        Assert.Equal("User", (string?)Parameter("principalType")["defaultValue"]);
        Assert.Equal(["User", "ServicePrincipal"], Parameter("principalType")["allowedValues"]!.AsArray().Select(v => (string?)v));
        Assert.Equal("${AZURE_PRINCIPAL_TYPE=User}", AzdMappings()["principalType"]);

        Assert.Equal(3, DeployerRoles(Defaults).Count);
        Assert.All(DeployerRoles(Defaults), a => Assert.Equal("User", (string?)a["properties"]!["principalType"]));
        Assert.Equal(3, DeployerRoles(Everything.Value).Count);
        Assert.All(DeployerRoles(Everything.Value), a => Assert.Equal("ServicePrincipal", (string?)a["properties"]!["principalType"]));
    }

    [Fact]
    public void Account_key_access_for_reporting_is_off_by_default()
    {
        Assert.Equal("bool", (string?)Parameter("reportingAccountKeyAccess")["type"]);
        Assert.False((bool)Parameter("reportingAccountKeyAccess")["defaultValue"]!);
        Assert.Equal("${REPORTING_ACCOUNT_KEY_ACCESS=false}", AzdMappings()["reportingAccountKeyAccess"]);

        Assert.False((bool)StorageAccount(Defaults)["allowSharedKeyAccess"]!);
    }

    [Fact]
    public void Account_key_access_turns_shared_keys_on_and_leaves_the_rest_of_the_account_and_the_app_on_entra_id()
    {
        var on = StorageAccount(Everything.Value);
        Assert.True((bool)on["allowSharedKeyAccess"]!);

        var rest = on.DeepClone().AsObject();
        var defaults = StorageAccount(Defaults).DeepClone().AsObject();
        rest.Remove("allowSharedKeyAccess");
        defaults.Remove("allowSharedKeyAccess");
        Assert.True(JsonNode.DeepEquals(defaults, rest), rest.ToJsonString());

        // The app keeps its identity-based connection: no key reaches it.
        var settings = AppSettings(Everything.Value);
        Assert.Equal("managedidentity", (string?)settings["AzureWebJobsStorage__credential"]);
        Assert.False(settings.ContainsKey("AzureWebJobsStorage"));
        Assert.DoesNotContain("AccountKey", settings.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Report_readers_get_storage_table_data_reader_on_the_account_and_nothing_more()
    {
        Assert.Equal("", (string?)Parameter("reportReaderPrincipalIds")["defaultValue"]);
        Assert.Equal("${REPORT_READER_PRINCIPAL_IDS}", AzdMappings()["reportReaderPrincipalIds"]);
        Assert.Empty(Defaults.RoleAssignments(TableDataReader));

        var readers = Everything.Value.RoleAssignments(TableDataReader).ToList();
        // Trimmed, empty entries dropped, each reader once.
        Assert.Equal([ReaderA, ReaderB], readers.Select(a => (string?)a["properties"]!["principalId"]).Order());
        var account = (string)Everything.Value.Single("Microsoft.Storage/storageAccounts")["id"]!;
        Assert.All(readers, a => Assert.StartsWith($"{account}/providers/Microsoft.Authorization/roleAssignments/", (string?)a["id"]));
        // No principalType: a list may mix users and groups.
        Assert.All(readers, a => Assert.Null(a["properties"]!["principalType"]));
        var readerRoles = Everything.Value.OfType("Microsoft.Authorization/roleAssignments")
            .Where(a => (string?)a["properties"]!["principalId"] is ReaderA or ReaderB);
        Assert.Equal(2, readerRoles.Count());
    }

    [Fact]
    public void The_instance_cap_defaults_to_40_which_flex_consumption_accepts_in_every_region()
    {
        Assert.Equal(40, (int)Parameter("maximumInstanceCount")["defaultValue"]!);
        Assert.Equal(1, (int)Parameter("maximumInstanceCount")["minValue"]!);
        Assert.Equal(1000, (int)Parameter("maximumInstanceCount")["maxValue"]!);

        int Cap(TemplateSnapshot snapshot) =>
            (int)snapshot.Single("Microsoft.Web/sites")["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!["maximumInstanceCount"]!;
        Assert.Equal(40, Cap(Defaults));
        Assert.Equal(100, Cap(Everything.Value));
    }

    [Fact]
    public void The_daily_credit_budget_reaches_the_app_setting_and_is_off_by_default()
    {
        Assert.Equal("0", (string?)AppSettings(Defaults)["Budget__DailyCredits"]);
        Assert.Equal("300", (string?)AppSettings(Everything.Value)["Budget__DailyCredits"]);
    }

    [Fact]
    public void The_watch_list_schedule_reaches_the_setting_the_timer_resolves_and_defaults_to_every_15_minutes()
    {
        // %WatchList:Schedule% in functions.metadata: the host does not index a timer whose setting is missing.
        Assert.Equal(new Backlinks.Watching.WatchListOptions().Schedule, (string?)AppSettings(Defaults)["WatchList__Schedule"]);
        Assert.Equal("0 */15 * * * *", (string?)AppSettings(Defaults)["WatchList__Schedule"]);
        Assert.Equal("0 0 * * * *", (string?)AppSettings(Everything.Value)["WatchList__Schedule"]);
        Assert.Equal("${WATCHLIST_SCHEDULE=0 */15 * * * *}", AzdMappings()["watchListSchedule"]);
    }

    [Fact]
    public void The_queue_triggers_find_the_queue_storage_declares_in_the_setting_they_resolve()
    {
        // %Storage:JobsQueue% in functions.metadata; the host names the poison queue after it.
        var queue = (string?)AppSettings(Defaults)["Storage__JobsQueue"];
        var declared = Defaults.OfType("Microsoft.Storage/storageAccounts/queueServices/queues").Select(q => ((string?)q["name"])!.Split('/').Last()).ToList();

        Assert.Equal("backlink-jobs", queue);
        Assert.Equal([queue, $"{queue}-poison"], declared.Order());
    }

    [Fact]
    public void Every_default_in_the_parameters_file_matches_the_template_default()
    {
        foreach (var (name, value) in AzdMappings())
        {
            var match = EnvironmentReference().Match(value);
            Assert.True(match.Success, $"{name}: {value} is not a single azd environment reference");
            if (!match.Groups["default"].Success)
            {
                continue;
            }
            var templateDefault = Parameter(name)["defaultValue"];
            var expected = templateDefault switch
            {
                JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
                JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
                JsonValue v => (string?)v,
                _ => null,
            };
            Assert.True(expected == match.Groups["default"].Value, $"{name}: azd default '{match.Groups["default"].Value}', template default '{expected}'");
        }
    }

    /// <summary>main.parameters.json: parameter name → its value, an azd <c>${ENV}</c> or <c>${ENV=default}</c> reference.</summary>
    internal static Dictionary<string, string> AzdMappings()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(CompiledTemplate.RepoRoot, "infra", "main.parameters.json")));
        return file.RootElement.GetProperty("parameters").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("value").GetString()!);
    }

    [GeneratedRegex(@"^\$\{(?<env>[A-Z0-9_]+)(=(?<default>[^}]*))?\}$")]
    internal static partial Regex EnvironmentReference();
}
