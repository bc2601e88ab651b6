namespace Backlinks.Links;

/// <summary>
/// The referring host of a link: the host of its source URL, lower case, punycode for international
/// names (as domains are everywhere else here), without a leading <c>www.</c>. A host, not a registrable
/// domain: no public suffix list. Empty when the source is not a URL with a host.
/// </summary>
public static class SourceHost
{
    private const int MaxHostLength = 253;

    public static string Of(string source)
    {
        var text = source.Trim();
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            // Pages live on the web; a mailto: or file: "source" has no referring host.
            if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            {
                return "";
            }
        }
        else if (text.Contains("://", StringComparison.Ordinal) || !Uri.TryCreate("http://" + text, UriKind.Absolute, out uri))
        {
            // A source without a scheme ("example.com/page") is still a page on that host; anything else has none.
            return "";
        }

        var host = uri.IdnHost.ToLowerInvariant().TrimEnd('.');
        if (host.StartsWith("www.", StringComparison.Ordinal))
        {
            host = host[4..];
        }
        // The host becomes a RowKey of backlinkrefdomains: keep it within what a key may hold.
        return host.Length is > 0 and <= MaxHostLength && host.All(IsKeySafe) ? host : "";
    }

    /// <summary>The last label (<c>gov</c> in <c>www.whitehouse.gov</c>); empty for an empty host.</summary>
    public static string Tld(string host)
    {
        if (host.Length == 0 || host.StartsWith('['))
        {
            return "";
        }
        var lastDot = host.LastIndexOf('.');
        var label = lastDot < 0 ? host : host[(lastDot + 1)..];
        // An IPv4 address has no top-level label.
        return label.All(char.IsAsciiDigit) ? "" : label;
    }

    public static bool IsGov(string host) => Tld(host) == "gov";

    public static bool IsEdu(string host) => Tld(host) == "edu";

    private static bool IsKeySafe(char c) => !char.IsControl(c) && c is not ('/' or '\\' or '#' or '?');
}
