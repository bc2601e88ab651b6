using System.Reflection;
using System.Text.Json;
using Backlinks.Cli;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Cli;

/// <summary>
/// The <c>backlinks</c> tool ships the pipeline and the simulated API, and nothing that only the tests
/// and the benchmark need: no Azurite launcher, no scripting of answers, no call recording, no
/// test-support assembly, and none of the packages it does not use.
/// </summary>
public class ShippedToolContentsTests
{
    private static readonly string Configuration =
        typeof(ShippedToolContentsTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

    /// <summary>What the tool package carries of this repository: the CLI and the assemblies it loads.</summary>
    private static readonly Assembly[] Shipped = CliProcess.RepositoryAssemblies;

    /// <summary>Types that exist for the tests and the benchmark only: every type of the test-support assembly.</summary>
    private static readonly string[] TestOnlyTypes =
    [
        "AzuriteProcess", "FakeDomDetailer", "ScriptingInterceptor", "ScriptedAnswer",
        .. typeof(FakeDomDetailer).Assembly.GetTypes().Where(t => t.Namespace == "Backlinks.Testing" && !t.IsNested).Select(t => t.Name),
    ];

    [Fact]
    public void No_test_only_type_is_in_a_shipped_assembly()
    {
        var shipped = Shipped.SelectMany(a => a.GetTypes()).Select(t => t.Name).ToHashSet();

        Assert.Empty(TestOnlyTypes.Intersect(shipped));
    }

    [Theory]
    [InlineData(typeof(SandboxApi), new[] { "Script", "ScriptBalance", "Calls", "Paths", "BalanceCalls", "WaitForCallsAsync", "LastBodyFor", "RateLimitedCalls" })]
    [InlineData(typeof(SandboxAnswer), new[] { "Gate", "Respond", "From", "Echo", "RequestUrl", "For" })]
    public void The_simulated_api_has_no_scripting_or_recording_members(Type type, string[] testOnly)
    {
        var members = type.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
            .Select(m => m.Name).ToHashSet();

        Assert.Empty(testOnly.Intersect(members));
    }

    [Fact]
    public void The_cli_does_not_depend_on_test_code_or_unused_packages()
    {
        var path = RepoPaths.Combine("src", "Backlinks.Cli", "bin", Configuration, "net10.0", "Backlinks.Cli.deps.json");
        Assert.True(File.Exists(path), $"{path} is written by building Backlinks.Cli");
        var libraries = JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("libraries")
            .EnumerateObject().Select(l => l.Name.Split('/')[0]).ToList();

        Assert.Contains("Backlinks.Sandbox", libraries); // the right file: the tool does carry the sandbox
        Assert.DoesNotContain("Backlinks.Testing", libraries);
        Assert.DoesNotContain("Microsoft.Extensions.Hosting", libraries);
        Assert.DoesNotContain("Microsoft.Extensions.Options.DataAnnotations", libraries);
        Assert.DoesNotContain(libraries, l => l.StartsWith("xunit", StringComparison.OrdinalIgnoreCase));
        Assert.All(Shipped, a => Assert.DoesNotContain(a.GetReferencedAssemblies(), r => r.Name == "Backlinks.Testing"));
    }
}
