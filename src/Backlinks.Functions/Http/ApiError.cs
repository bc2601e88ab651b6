using Microsoft.AspNetCore.Mvc;

namespace Backlinks.Functions.Http;

/// <summary>The JSON error body of the HTTP API, in the same shape as DomDetailer's own errors.</summary>
public sealed record ApiError(string Error, string Message)
{
    public static ObjectResult Result(int statusCode, string error, string message) =>
        new(new ApiError(error, message)) { StatusCode = statusCode };
}
