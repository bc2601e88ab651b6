using Backlinks.Domains;
using Backlinks.Submissions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Backlinks.Functions.Http.WatchList;

/// <summary>What the watch list functions share: the route's domain, query flags and settings, problems as <see cref="ApiError"/>.</summary>
internal static class WatchListHttp
{
    public static ObjectResult Problem(SubmissionProblem problem) => ApiError.Result(problem.StatusCode, problem.Error, problem.Message);

    /// <summary>The normalized domain of the route, or the 400 that names what is wrong with it.</summary>
    public static bool TryDomain(string domain, out string normalized, out IActionResult? error)
    {
        var result = DomainName.Normalize(domain);
        normalized = result.Domain ?? "";
        error = result.IsValid ? null : ApiError.Result(400, "invalid_domain", $"'{domain}' is not a valid domain: {result.Error}.");
        return result.IsValid;
    }

    /// <summary>Storage failed: every write of the watch list is an upsert or a delete, so the caller can repeat the request.</summary>
    public static ObjectResult StorageUnavailable(Exception e) =>
        ApiError.Result(503, "storage_unavailable", $"Storage failed ({e.Message}); nothing is left half-written that a retry would not fix: send the request again.");

    /// <summary>An optional true/false of the query string; false when it holds something else.</summary>
    public static bool TryReadFlag(HttpRequest request, string name, out bool? value)
    {
        value = null;
        switch (request.Query[name].ToString().ToLowerInvariant())
        {
            case "":
                return true;
            case "true" or "1":
                value = true;
                return true;
            case "false" or "0":
                value = false;
                return true;
            default:
                return false;
        }
    }
}
