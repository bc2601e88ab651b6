using System.Text.Json;
using System.Text.Json.Nodes;
using Backlinks.Storage;

namespace Backlinks.Infra.Tests;

/// <summary>The security and wiring properties of the deployment, asserted on the compiled ARM JSON.</summary>
public class MainTemplateTests
{
    private static readonly CompiledTemplate Template = CompiledTemplate.Main;

    private static JsonObject Storage => Template.Module("storage");
    private static JsonObject FunctionApp => Template.Module("function-app");
    private static JsonObject Rbac => Template.Module("rbac");

    private static JsonObject Single(JsonObject template, string type) => Assert.Single(CompiledTemplate.OfType(template, type));

    private static JsonObject AppSettings =>
        Single(FunctionApp, "Microsoft.Web/sites/config")["properties"]!.AsObject();

    [Fact]
    public void Compiles_without_errors_or_linter_warnings()
    {
        Assert.True(Template.Succeeded, Template.Diagnostics);
        Assert.Equal("", Template.Diagnostics.Trim());
    }

    [Fact]
    public void Uses_no_registry_modules_so_it_compiles_offline()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(CompiledTemplate.RepoRoot, "infra"), "*.bicep", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("'br:", File.ReadAllText(file));
            Assert.DoesNotContain("'br/", File.ReadAllText(file));
        }
    }

    [Fact]
    public void Storage_has_shared_keys_off_tls12_and_no_public_blob_access()
    {
        var account = Single(Storage, "Microsoft.Storage/storageAccounts")["properties"]!;

        // An expression here (reporting may opt in to account keys): the deployed value with the defaults.
        Assert.False((bool)TemplateSnapshot.Defaults.Value.Single("Microsoft.Storage/storageAccounts")["properties"]!["allowSharedKeyAccess"]!);
        Assert.False((bool)account["allowBlobPublicAccess"]!);
        Assert.Equal("TLS1_2", (string?)account["minimumTlsVersion"]);
        Assert.True((bool)account["supportsHttpsTrafficOnly"]!);
    }

    [Fact]
    public void Storage_declares_the_queues_container_and_tables_the_app_uses()
    {
        var names = new StorageOptions();
        var variables = Storage["variables"]!;

        Assert.Equal(names.JobsQueue, (string?)variables["jobsQueueName"]);
        Assert.Contains("-poison", variables["queueNames"]!.ToJsonString()); // the poison queue is named after it, as the host names it
        Assert.Equal([names.MetricsTable, names.LatestMetricsTable, names.JobsTable, names.ControlTable, names.LinkRowsTable, names.LinkChangesTable, names.RefDomainsTable, names.WatchListTable], variables["tableNames"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(names.RawContainer, (string?)variables["rawContainerName"]);

        Assert.Contains("variables('queueNames')[copyIndex()]", (string?)Single(Storage, "Microsoft.Storage/storageAccounts/queueServices/queues")["name"]);
        Assert.Contains("variables('tableNames')[copyIndex()]", (string?)Single(Storage, "Microsoft.Storage/storageAccounts/tableServices/tables")["name"]);
        var containers = CompiledTemplate.OfType(Storage, "Microsoft.Storage/storageAccounts/blobServices/containers").Select(c => (string?)c["name"]).ToList();
        Assert.Contains(containers, c => c!.Contains("variables('rawContainerName')"));
        Assert.Contains(containers, c => c!.Contains("parameters('deploymentContainerName')"));
    }

    [Fact]
    public void Raw_blobs_move_to_cool_and_deletion_is_off_by_default()
    {
        var rule = Single(Storage, "Microsoft.Storage/storageAccounts/managementPolicies")["properties"]!["policy"]!["rules"]![0]!;
        var definition = rule["definition"]!;

        Assert.Equal("[format('{0}/', variables('rawContainerName'))]", (string?)definition["filters"]!["prefixMatch"]![0]);
        var actions = definition["actions"]!["baseBlob"]!.GetValue<string>();
        Assert.Contains("tierToCool", actions);
        Assert.Contains("if(greater(parameters('rawBlobDeleteAfterDays'), 0), createObject('delete'", actions);
        Assert.Equal(30, (int)Template.Root["parameters"]!["rawBlobCoolAfterDays"]!["defaultValue"]!);
        Assert.Equal(0, (int)Template.Root["parameters"]!["rawBlobDeleteAfterDays"]!["defaultValue"]!);
    }

    [Fact]
    public void The_app_runs_on_flex_consumption_linux_dotnet_isolated_10()
    {
        var plan = Single(FunctionApp, "Microsoft.Web/serverfarms");
        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.True((bool)plan["properties"]!["reserved"]!);

        var site = Single(FunctionApp, "Microsoft.Web/sites");
        Assert.Equal("functionapp,linux", (string?)site["kind"]);
        var config = site["properties"]!["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]!["name"]);
        Assert.Equal("10.0", (string?)config["runtime"]!["version"]);
        Assert.Equal("UserAssignedIdentity", (string?)config["deployment"]!["storage"]!["authentication"]!["type"]);
        Assert.True((bool)site["properties"]!["httpsOnly"]!);

        Assert.Equal(2048, (int)Template.Root["parameters"]!["instanceMemoryMB"]!["defaultValue"]!);
    }

    [Fact]
    public void Storage_connections_are_identity_based_only()
    {
        var settings = AppSettings;

        Assert.Equal("managedidentity", (string?)settings["AzureWebJobsStorage__credential"]);
        foreach (var key in new[] { "AzureWebJobsStorage__clientId", "AzureWebJobsStorage__blobServiceUri", "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__tableServiceUri" })
        {
            Assert.True(settings.ContainsKey(key), key);
        }
        Assert.False(settings.ContainsKey("AzureWebJobsStorage"));
        Assert.DoesNotContain("listKeys", Template.Json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AccountKey=", Template.Json, StringComparison.OrdinalIgnoreCase);
        // Flex Consumption takes the runtime from functionAppConfig and rejects these settings.
        Assert.False(settings.ContainsKey("FUNCTIONS_WORKER_RUNTIME"));
        Assert.False(settings.ContainsKey("FUNCTIONS_EXTENSION_VERSION"));
    }

    [Fact]
    public void The_api_key_is_a_secure_parameter_stored_in_an_rbac_key_vault_and_read_by_reference()
    {
        var parameter = Template.Root["parameters"]!["domDetailerApiKey"]!;
        Assert.Equal("securestring", (string?)parameter["type"]);
        Assert.Null(parameter["defaultValue"]);

        var vault = Single(Template.Module("keyvault"), "Microsoft.KeyVault/vaults")["properties"]!;
        Assert.True((bool)vault["enableRbacAuthorization"]!);
        Assert.Single(CompiledTemplate.OfType(Template.Module("keyvault"), "Microsoft.KeyVault/vaults/secrets"));

        Assert.StartsWith("[format('@Microsoft.KeyVault(SecretUri={0})'", (string?)AppSettings["DomDetailer__ApiKey"]);
        Assert.Contains("parameters('identityId')", (string?)Single(FunctionApp, "Microsoft.Web/sites")["properties"]!["keyVaultReferenceIdentity"]);
        Assert.DoesNotContain("domDetailerApiKey", Template.Root["outputs"]!.ToJsonString());
    }

    [Fact]
    public void The_app_settings_carry_the_settings_the_app_reads()
    {
        var settings = AppSettings;
        foreach (var key in new[] { "DomDetailer__App", "Backoff__RateLimitBaseDelay", "Backoff__RateLimitMaxDelay", "Backoff__CreditsInitialDelay", "Backoff__CreditsMaxDelay", "Backoff__MaxWait", "APPLICATIONINSIGHTS_CONNECTION_STRING" })
        {
            Assert.Contains(key, settings.ToJsonString());
        }
        Assert.Contains("Authorization=AAD", settings.ToJsonString());
    }

    [Fact]
    public void Application_insights_has_local_auth_disabled_and_a_workspace()
    {
        var insights = Single(Template.Module("monitoring"), "Microsoft.Insights/components")["properties"]!;

        Assert.True((bool)insights["DisableLocalAuth"]!);
        Assert.NotNull(insights["WorkspaceResourceId"]);
        Assert.Single(CompiledTemplate.OfType(Template.Module("monitoring"), "Microsoft.OperationalInsights/workspaces"));
    }

    [Fact]
    public void The_identity_gets_storage_key_vault_and_monitoring_roles_and_the_user_optionally_the_storage_roles()
    {
        var roles = Rbac["variables"]!["roles"]!.AsObject();
        Assert.Equal(new Dictionary<string, string>
        {
            ["storageBlobDataOwner"] = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
            ["storageQueueDataContributor"] = "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
            ["storageTableDataContributor"] = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
            ["storageTableDataReader"] = "76199698-9eea-4c19-bc75-cec21354c6b6",
            ["monitoringMetricsPublisher"] = "3913510d-42f4-4e42-8a64-420c390055eb",
            ["keyVaultSecretsUser"] = "4633458b-17de-408a-b874-0445c86b69e6",
        }, roles.ToDictionary(p => p.Key, p => (string)p.Value!));

        var assignments = CompiledTemplate.OfType(Rbac, "Microsoft.Authorization/roleAssignments").ToList();
        string Role(JsonObject a) => (string)a["properties"]!["roleDefinitionId"]!;
        string Principal(JsonObject a) => (string)a["properties"]!["principalId"]!;

        var app = assignments.Where(a => Principal(a).Contains("appPrincipalId")).ToList();
        Assert.Contains(app, a => Role(a).Contains("variables('storageRoles')[copyIndex()]") && a["copy"] is not null);
        Assert.Contains(app, a => Role(a).Contains("keyVaultSecretsUser"));
        Assert.Contains(app, a => Role(a).Contains("monitoringMetricsPublisher"));
        var storageRoles = Rbac["variables"]!["storageRoles"]!.ToJsonString();
        Assert.Contains("storageBlobDataOwner", storageRoles);
        Assert.Contains("storageQueueDataContributor", storageRoles);
        Assert.Contains("storageTableDataContributor", storageRoles);

        var user = Assert.Single(assignments, a => Principal(a).Contains("userPrincipalId"));
        Assert.Contains("not(empty(parameters('userPrincipalId')))", (string?)user["condition"]);
        Assert.Equal("", (string?)Template.Root["parameters"]!["principalId"]!["defaultValue"]);
    }

    [Fact]
    public void Azure_yaml_names_the_function_project_and_the_parameters_file_matches_main()
    {
        var azureYaml = File.ReadAllText(Path.Combine(CompiledTemplate.RepoRoot, "azure.yaml"));
        Assert.Contains("project: ./src/Backlinks.Functions/", azureYaml);
        Assert.Contains("host: function", azureYaml);
        Assert.True(File.Exists(Path.Combine(CompiledTemplate.RepoRoot, "src", "Backlinks.Functions", "Backlinks.Functions.csproj")));

        using var parameters = JsonDocument.Parse(File.ReadAllText(Path.Combine(CompiledTemplate.RepoRoot, "infra", "main.parameters.json")));
        var declared = Template.Root["parameters"]!.AsObject().Select(p => p.Key).ToHashSet();
        foreach (var parameter in parameters.RootElement.GetProperty("parameters").EnumerateObject())
        {
            Assert.Contains(parameter.Name, declared);
        }
        var required = Template.Root["parameters"]!.AsObject().Where(p => p.Value!["defaultValue"] is null).Select(p => p.Key);
        Assert.All(required, name => Assert.True(parameters.RootElement.GetProperty("parameters").TryGetProperty(name, out _), name));
    }
}
