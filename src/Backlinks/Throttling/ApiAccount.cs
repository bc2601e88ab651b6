using System.Security.Cryptography;
using System.Text;
using Backlinks.DomDetailer;
using Microsoft.Extensions.Options;

namespace Backlinks.Throttling;

/// <summary>
/// The API account whose shared state (pause, "not before", ledger, claims) a pipeline uses: its base
/// URL plus a hash of its key. The sandbox, a staging host and the production account never share
/// state, and a new key starts clean. Only the hash is stored or shown, never the key.
/// </summary>
public sealed class ApiAccount(IOptions<DomDetailerOptions> options)
{
    private readonly Lazy<string> _id = new(() => IdFor(options.Value.BaseUrl, options.Value.ApiKey));

    /// <summary>The partition of <c>backlinkcontrol</c> that holds this account's state: <c>acct-</c> and 16 hex digits.</summary>
    public string Id => _id.Value;

    /// <summary>The API host, for people: which account is in use, without the key.</summary>
    public string Host => options.Value.BaseUrl.Authority;

    public static string IdFor(Uri baseUrl, string apiKey)
    {
        var material = baseUrl.GetLeftPart(UriPartial.Authority).ToLowerInvariant() + "\n" + apiKey;
        return "acct-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)))[..16];
    }
}
