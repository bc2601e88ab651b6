using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Backlinks.Infra.Tests;

/// <summary>The README's "Deploy to Azure" section and powerbi/CONNECT.md against the template they describe.</summary>
public partial class DocumentationTests
{
    private static readonly CompiledTemplate Template = CompiledTemplate.Main;

    private static string DeploySection
    {
        get
        {
            var readme = File.ReadAllText(Path.Combine(CompiledTemplate.RepoRoot, "README.md"));
            var start = readme.IndexOf("\n## Deploy to Azure\n", StringComparison.Ordinal);
            Assert.True(start >= 0, "README has no 'Deploy to Azure' section");
            var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
            return end < 0 ? readme[start..] : readme[start..end];
        }
    }

    /// <summary>Rows of the parameter table: parameter name → (azd environment variable or null, default cell).</summary>
    private static Dictionary<string, (string? Env, string Default)> ParameterRows() =>
        ParameterRow().Matches(DeploySection).ToDictionary(
            m => m.Groups["name"].Value,
            m => (m.Groups["env"].Success ? m.Groups["env"].Value : null, m.Groups["default"].Value));

    [Fact]
    public void The_deploy_section_names_every_table_the_template_declares()
    {
        var tables = Template.Module("storage")["variables"]!["tableNames"]!.AsArray().Select(t => (string)t!);

        Assert.All(tables, table => Assert.Contains($"`{table}`", DeploySection));
    }

    [Fact]
    public void The_parameter_table_claims_azd_env_set_only_for_parameters_mapped_in_the_parameters_file()
    {
        var mappings = DeploymentOptionsTests.AzdMappings();
        var rows = ParameterRows();

        foreach (var (name, (env, _)) in rows)
        {
            Assert.True(Template.Root["parameters"]!.AsObject().ContainsKey(name), $"README lists {name}, which main.bicep does not declare");
            if (env is null)
            {
                Assert.False(mappings.ContainsKey(name), $"{name} is mapped in main.parameters.json; the README should give its variable");
                continue;
            }
            Assert.True(mappings.TryGetValue(name, out var value), $"README says `azd env set {env}` sets {name}, but main.parameters.json does not map it");
            Assert.Equal(env, DeploymentOptionsTests.EnvironmentReference().Match(value).Groups["env"].Value);
        }
        Assert.All(mappings.Keys, name => Assert.True(rows.ContainsKey(name), $"{name} is mapped in main.parameters.json but missing from the README's table"));
    }

    [Fact]
    public void The_parameter_table_gives_the_template_defaults()
    {
        foreach (var (name, (_, cell)) in ParameterRows())
        {
            if (Template.Root["parameters"]![name]!["defaultValue"] is not JsonValue value || value.ToJsonString() is "\"\"")
            {
                continue;
            }
            var expected = value.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string)value! : value.ToJsonString();
            Assert.True(cell.Contains($"`{expected}`", StringComparison.Ordinal), $"{name}: README default '{cell}', template default '{expected}'");
        }
    }

    [Fact]
    public void The_deploy_section_explains_azd_down_purge_and_the_unresolved_key_vault_reference()
    {
        Assert.Contains("azd down --purge", DeploySection);
        Assert.Contains("az keyvault purge", DeploySection);
        Assert.Contains("unresolved Key Vault reference", DeploySection);
        Assert.Contains("list-flexconsumption-runtimes", DeploySection);
    }

    [Fact]
    public void Connect_md_uses_the_documented_m_function_and_the_parameters_that_exist()
    {
        var connect = File.ReadAllText(Path.Combine(CompiledTemplate.RepoRoot, "powerbi", "CONNECT.md"));
        var mappings = DeploymentOptionsTests.AzdMappings();

        Assert.Contains("AzureStorage.Tables(\"https://<account>.table.core.windows.net\")", connect);
        Assert.Contains("Storage Table Data Reader", connect);
        Assert.Contains("${REPORTING_ACCOUNT_KEY_ACCESS", mappings["reportingAccountKeyAccess"]);
        Assert.Contains("${REPORT_READER_PRINCIPAL_IDS", mappings["reportReaderPrincipalIds"]);
        Assert.Contains("azd env set REPORTING_ACCOUNT_KEY_ACCESS true", connect);
        Assert.Contains("azd env set REPORT_READER_PRINCIPAL_IDS", connect);
        Assert.Contains("az storage account keys renew", connect);
    }

    [GeneratedRegex(@"^\| `(?<name>\w+)`(?: \(`(?<env>[A-Z0-9_]+)`\))? \| (?<default>[^|]*) \|", RegexOptions.Multiline)]
    private static partial Regex ParameterRow();
}
