using Backlinks.Submissions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Http;

/// <summary><c>POST /api/lookups</c>: one domain (webhook) or many (bulk) become one job each.</summary>
public sealed class SubmitLookups(SubmissionService submissions)
{
    [Function(nameof(SubmitLookups))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "lookups")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (request.ContentLength > SubmissionLimits.MaxBodyBytes)
        {
            return Problem(LookupRequestParser.TooLarge());
        }
        var body = await BoundedBody.ReadAsync(request.Body, SubmissionLimits.MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return Problem(LookupRequestParser.TooLarge());
        }
        if (LookupRequestParser.FormatFor(request.ContentType, body) is not { } format)
        {
            return ApiError.Result(415, "unsupported_media_type",
                $"Content-Type '{request.ContentType}' is not supported: use application/json, text/plain or text/csv.");
        }
        if (!TryReadFlag(request, "onePerDomain", out var onePerDomain) || !TryReadFlag(request, "force", out var force))
        {
            return ApiError.Result(400, "invalid_query", "onePerDomain and force take true or false.");
        }

        var outcome = await submissions.SubmitAsync(new SubmissionInput(body, format, onePerDomain, force), cancellationToken);
        return outcome.Status switch
        {
            SubmissionStatus.Refused => Problem(outcome.Problem!),
            SubmissionStatus.NothingValid => new BadRequestObjectResult(outcome.Response),
            SubmissionStatus.Incomplete => new ObjectResult(outcome.Response) { StatusCode = StatusCodes.Status503ServiceUnavailable },
            _ => new ObjectResult(outcome.Response) { StatusCode = StatusCodes.Status202Accepted },
        };
    }

    private static ObjectResult Problem(SubmissionProblem problem) => ApiError.Result(problem.StatusCode, problem.Error, problem.Message);

    // For text/plain and text/csv bodies the options come from the query string.
    private static bool TryReadFlag(HttpRequest request, string name, out bool value)
    {
        value = false;
        var text = request.Query[name].ToString();
        switch (text.ToLowerInvariant())
        {
            case "":
                return true;
            case "true" or "1":
                value = true;
                return true;
            case "false" or "0":
                return true;
            default:
                return false;
        }
    }
}
