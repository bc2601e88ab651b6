using Microsoft.AspNetCore.Http;

namespace Backlinks.Sandbox;

/// <summary>One request to the sandbox API, as it arrived.</summary>
/// <param name="Path">The path called: one of <see cref="SandboxApi.BacklinksPaths"/>, or <see cref="SandboxApi.BalancePath"/>.</param>
/// <param name="Url">The request URL exactly as it arrived: the query string still encoded as the client sent it.</param>
/// <param name="Query">The decoded query parameters (<c>apikey</c>, <c>app</c>, <c>domain</c>, <c>onePerDomain</c>).</param>
public sealed record SandboxRequest(string Path, string Url, IQueryCollection Query)
{
    /// <summary>True for the balance endpoint; false for a backlinks call.</summary>
    public bool IsBalance => Path == SandboxApi.BalancePath;

    /// <summary>The <c>domain</c> parameter; empty when missing (and for the balance endpoint).</summary>
    public string Domain => Query["domain"].ToString();

    /// <summary>The <c>onePerDomain=1</c> parameter.</summary>
    public bool OnePerDomain => Query["onePerDomain"] == "1";

    internal static SandboxRequest From(HttpRequest request) => new(
        request.Path.ToString(),
        $"{request.Scheme}://{request.Host}{request.Path}{request.QueryString}",
        request.Query);
}
