using Backlinks.DomDetailer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Backlinks.Tests.DomDetailer;

/// <summary>
/// In Azure the API key is a Key Vault reference; until the app's identity may read the vault, App Service
/// hands the app the reference text. The app must refuse to start then, not send that text as the key.
/// </summary>
public sealed class KeyVaultReferenceTests
{
    private const string Reference = "@Microsoft.KeyVault(SecretUri=https://kv-example.vault.azure.net/secrets/DomDetailer--ApiKey)";

    [Theory]
    [InlineData(Reference)]
    [InlineData("  @microsoft.keyvault(VaultName=kv-example;SecretName=DomDetailer--ApiKey)")]
    public void An_unresolved_reference_fails_validation_with_what_to_do(string apiKey)
    {
        var result = new DomDetailerOptionsValidator().Validate(null, new DomDetailerOptions { ApiKey = apiKey });

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.Contains("DomDetailer__ApiKey is still an unresolved Key Vault reference", failure);
        Assert.Contains("may not have propagated yet", failure);
        Assert.Contains("restart the app after a few minutes", failure);
        // The message explains; it does not echo the setting's value.
        Assert.DoesNotContain("kv-example", failure);
    }

    [Theory]
    [InlineData("a-real-looking-key-123")]
    [InlineData("key-with-@Microsoft.KeyVault(-inside")]
    public void A_resolved_key_passes(string apiKey)
    {
        Assert.True(new DomDetailerOptionsValidator().Validate(null, new DomDetailerOptions { ApiKey = apiKey }).Succeeded);
    }

    [Fact]
    public void The_app_refuses_to_start_while_the_key_is_an_unresolved_reference()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["DomDetailer:ApiKey"] = Reference })
            .Build();
        using var services = new ServiceCollection().AddBacklinksPipeline(configuration).BuildServiceProvider();

        // What the host runs at start for ValidateOnStart options.
        var refused = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("unresolved Key Vault reference", refused.Message);
        Assert.DoesNotContain("kv-example", refused.Message);
    }
}
