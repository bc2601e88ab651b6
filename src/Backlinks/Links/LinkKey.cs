using System.Security.Cryptography;
using System.Text;

namespace Backlinks.Links;

/// <summary>
/// The RowKey of a link: lower-case hex SHA-256 of <c>source + "\n" + target</c> exactly as the API gave
/// them. URLs cannot be keys (they hold <c>/ ? #</c>, may hold control characters, and may be long).
/// </summary>
public static class LinkKey
{
    public static string For(string source, string target)
    {
        var bytes = Encoding.UTF8.GetBytes(source + "\n" + target);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
