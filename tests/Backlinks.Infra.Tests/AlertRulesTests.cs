using System.Text.Json.Nodes;

namespace Backlinks.Infra.Tests;

/// <summary>The alert rules on the app's telemetry, and the optional email action group, in the deployment's snapshot.</summary>
public class AlertRulesTests
{
    private const string Email = "ops@example.com";

    private static readonly Lazy<TemplateSnapshot> WithEmail = new(() => TemplateSnapshot.Take(new Dictionary<string, object> { ["alertEmail"] = Email }));

    private static List<JsonObject> Rules(TemplateSnapshot snapshot) => snapshot.OfType("Microsoft.Insights/scheduledQueryRules").ToList();

    private static string Query(JsonObject rule) => (string)rule["properties"]!["criteria"]!["allOf"]![0]!["query"]!;

    private static JsonObject Rule(TemplateSnapshot snapshot, string name) =>
        Assert.Single(Rules(snapshot), r => (string?)r["name"] == $"backlinks-{name}");

    [Theory]
    // Each rule reads the telemetry the app sends under its contract names (DESIGN.md).
    [InlineData("poison-queue-not-empty", "backlinks.job.poisoned")]
    [InlineData("out-of-credits-pause", "backlinks.api.calls")]
    [InlineData("api-key-rejected", "backlinks.api.calls")]
    [InlineData("jobs-failing", "backlinks.jobs.completed")]
    [InlineData("daily-budget-reached", "backlinks.job")]
    public void Each_alert_is_a_query_on_the_apps_telemetry_named_by_the_contract(string name, string telemetryName)
    {
        var rule = Rule(TemplateSnapshot.Defaults.Value, name);
        var properties = rule["properties"]!;

        Assert.Contains($"\"{telemetryName}\"", Query(rule));
        Assert.True((bool)properties["enabled"]!);
        Assert.Single(properties["scopes"]!.AsArray(), s => ((string)s!).Contains("Microsoft.Insights/components/", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("GreaterThan", (string?)properties["criteria"]!["allOf"]![0]!["operator"]);
        Assert.Equal(0, (int)properties["criteria"]!["allOf"]![0]!["threshold"]!);
    }

    [Fact]
    public void The_rules_watch_the_statuses_and_shares_the_issue_names()
    {
        var defaults = TemplateSnapshot.Defaults.Value;

        Assert.Equal(5, Rules(defaults).Count);
        Assert.Contains("\"402\"", Query(Rule(defaults, "out-of-credits-pause")));
        Assert.Contains("\"401\", \"403\"", Query(Rule(defaults, "api-key-rejected")));
        Assert.Contains("Configuration error", Query(Rule(defaults, "api-key-rejected")));
        Assert.Contains("failed / completed > 0.1", Query(Rule(defaults, "jobs-failing")));
        Assert.Equal("PT1H", (string?)Rule(defaults, "jobs-failing")["properties"]!["windowSize"]);
        Assert.Contains("\"budget\"", Query(Rule(defaults, "daily-budget-reached")));
    }

    [Fact]
    public void Without_an_email_there_is_no_action_group_and_the_rules_act_on_none()
    {
        var defaults = TemplateSnapshot.Defaults.Value;

        Assert.Empty(defaults.OfType("Microsoft.Insights/actionGroups"));
        Assert.All(Rules(defaults), r => Assert.Empty(r["properties"]!["actions"]!["actionGroups"]!.AsArray()));
        Assert.Equal("", (string?)CompiledTemplate.Main.Root["parameters"]!["alertEmail"]!["defaultValue"]);
    }

    [Fact]
    public void With_an_email_every_rule_notifies_one_email_action_group()
    {
        var group = WithEmail.Value.Single("Microsoft.Insights/actionGroups");
        var receiver = Assert.Single(group["properties"]!["emailReceivers"]!.AsArray());
        Assert.Equal(Email, (string?)receiver!["emailAddress"]);

        Assert.Equal(5, Rules(WithEmail.Value).Count);
        Assert.All(Rules(WithEmail.Value), r =>
            Assert.EndsWith($"/actionGroups/{group["name"]}", (string)Assert.Single(r["properties"]!["actions"]!["actionGroups"]!.AsArray())!, StringComparison.OrdinalIgnoreCase));
    }
}
