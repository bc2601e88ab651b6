using System.Buffers;
using System.Globalization;
using System.Net;

namespace Backlinks.Domains;

/// <summary>
/// The one way a domain is normalized and validated, for the HTTP API, the CLI and storage keys alike.
/// </summary>
public static class DomainName
{
    private const int MaxNameLength = 253;
    private const int MaxLabelLength = 63;
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };
    private static readonly SearchValues<char> HostNameCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");

    public static DomainNormalization Normalize(string? input)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return DomainNormalization.Rejected("empty: no domain given");
        }

        var host = ExtractHost(input.Trim(), out var hostError);
        if (hostError is not null)
        {
            return DomainNormalization.Rejected(hostError);
        }

        host = host.ToLowerInvariant();
        if (host.EndsWith('.'))
        {
            host = host[..^1];
        }
        if (host.Length == 0)
        {
            return DomainNormalization.Rejected("empty: no host name in the input");
        }

        var ascii = ToAscii(host, out var idnError);
        if (idnError is not null)
        {
            return DomainNormalization.Rejected(idnError);
        }

        // Every leading "www.", not just one: "www.www.a" must not become "www.a", which itself normalizes to "a".
        while (ascii.StartsWith("www.", StringComparison.Ordinal))
        {
            ascii = ascii[4..];
        }

        var error = Validate(ascii);
        return error is null ? DomainNormalization.Accepted(ascii) : DomainNormalization.Rejected(error);
    }

    /// <summary>Strips scheme, credentials, path, query, fragment and port, leaving the host as typed.</summary>
    private static string ExtractHost(string value, out string? error)
    {
        error = null;
        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            value = value[(schemeEnd + 3)..];
        }
        else if (value.StartsWith("//", StringComparison.Ordinal))
        {
            value = value[2..];
        }

        var authorityEnd = value.IndexOfAny(['/', '?', '#', '\\']);
        var authority = authorityEnd >= 0 ? value[..authorityEnd] : value;

        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            authority = authority[(at + 1)..];
        }

        if (authority.StartsWith('['))
        {
            error = "IP addresses are not domains";
            return authority;
        }

        var colon = authority.IndexOf(':');
        if (colon >= 0)
        {
            var port = authority[(colon + 1)..];
            if (port.Length > 0 && !port.All(char.IsAsciiDigit))
            {
                error = $"'{authority}' is not a host name with a port";
                return authority;
            }
            authority = authority[..colon];
        }

        return authority;
    }

    private static string ToAscii(string host, out string? error)
    {
        error = null;
        if (host.All(char.IsAscii))
        {
            return host;
        }

        var labels = host.Split('.');
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i].All(char.IsAscii))
            {
                continue;
            }
            try
            {
                labels[i] = Idn.GetAscii(labels[i]);
            }
            catch (ArgumentException)
            {
                error = $"'{labels[i]}' is not a valid internationalized label";
                return host;
            }
        }
        return string.Join('.', labels);
    }

    private static string? Validate(string name)
    {
        if (IPAddress.TryParse(name, out _))
        {
            return "IP addresses are not domains";
        }
        if (name == "localhost" || name.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return "localhost is not a public domain";
        }
        if (name.Length > MaxNameLength)
        {
            return $"longer than {MaxNameLength} characters";
        }

        var labels = name.Split('.');
        // A character that no host name holds says more than the shape it spoils ("bad domain" is not a single label).
        foreach (var label in labels)
        {
            // An index, not FirstOrDefault: default(char) is '\0', so "no bad character" and "a NUL" would look alike.
            var bad = label.AsSpan().IndexOfAnyExcept(HostNameCharacters);
            if (bad >= 0)
            {
                return $"character {Describe(label[bad])} is not allowed in host names";
            }
        }
        if (labels.Length < 2)
        {
            return "single-label name: a domain needs at least two labels (example.com)";
        }

        foreach (var label in labels)
        {
            if (label.Length == 0)
            {
                return "empty label (two dots in a row)";
            }
            if (label.Length > MaxLabelLength)
            {
                return $"label '{label[..20]}…' is longer than {MaxLabelLength} characters";
            }
            if (label.StartsWith('-') || label.EndsWith('-'))
            {
                return $"label '{label}' starts or ends with '-'";
            }
        }

        if (labels[^1].All(char.IsAsciiDigit))
        {
            return "the top-level label cannot be all digits";
        }
        return null;
    }

    /// <summary>A character as a reader can see it: printable ASCII quoted, anything else (NUL, CR, ESC, unicode) as U+XXXX.</summary>
    private static string Describe(char c) => c is >= ' ' and < '\x7F' ? $"'{c}'" : $"U+{(int)c:X4}";
}

/// <summary>The outcome of normalizing one input: a domain, or the reason it was rejected.</summary>
public sealed record DomainNormalization(string? Domain, string? Error)
{
    public bool IsValid => Domain is not null;

    public static DomainNormalization Accepted(string domain) => new(domain, null);

    public static DomainNormalization Rejected(string error) => new(null, error);
}
