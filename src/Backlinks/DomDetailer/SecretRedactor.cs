namespace Backlinks.DomDetailer;

/// <summary>Removes a secret from text that may end up in a log, a table or a response.</summary>
public static class SecretRedactor
{
    public const string Mask = "***";

    public static string Redact(string text, string? secret)
    {
        if (string.IsNullOrEmpty(secret) || string.IsNullOrEmpty(text))
        {
            return text;
        }
        // The key may appear raw or URL-encoded (it travels in the query string).
        return text.Replace(secret, Mask, StringComparison.Ordinal)
                   .Replace(Uri.EscapeDataString(secret), Mask, StringComparison.Ordinal);
    }
}
