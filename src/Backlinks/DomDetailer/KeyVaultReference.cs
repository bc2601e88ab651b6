namespace Backlinks.DomDetailer;

/// <summary>
/// Recognises a Key Vault reference that App Service could not resolve. An app setting such as
/// <c>@Microsoft.KeyVault(SecretUri=...)</c> is replaced by the secret when the app's identity can read
/// it; when it cannot (typically right after a deployment, before the identity's Key Vault role has
/// propagated), the app sees the reference text itself as the value.
/// </summary>
public static class KeyVaultReference
{
    public const string Prefix = "@Microsoft.KeyVault(";

    public static bool IsUnresolved(string? value) =>
        value is not null && value.TrimStart().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>A start-up failure that says what happened and what to do; it never repeats the value.</summary>
    public static string UnresolvedMessage(string setting) =>
        $"{setting} is still an unresolved Key Vault reference: the app's identity could not read the secret. " +
        "Right after a deployment its Key Vault role (Key Vault Secrets User) may not have propagated yet: restart the app after a few minutes " +
        "(az functionapp restart). If it persists, check the reference's status in the portal (the app's Environment variables), " +
        "the identity's role on the vault and that the secret exists.";
}
