using Backlinks.Jobs;
using Backlinks.Operations;
using Microsoft.AspNetCore.Mvc;

namespace Backlinks.Functions.Http;

/// <summary>How the job operations answer over HTTP: 200 with the job, 404, or 409 with the job's state.</summary>
internal static class JobOperationResults
{
    /// <summary>400 for a malformed id; otherwise the operation's answer: 200 with the job, 404, or 409 with why.</summary>
    public static async Task<IActionResult> RunAsync(string jobId, Func<JobId, Task<JobOperationResult>> operation, string conflictError)
    {
        if (!JobId.TryParse(jobId, out var id))
        {
            return ApiError.Result(400, "invalid_job_id", $"'{jobId}' is not a job id: job ids are the UUIDs returned by POST /api/lookups.");
        }
        var result = await operation(id);
        return result.Outcome switch
        {
            JobOperationOutcome.Done => new OkObjectResult(result),
            JobOperationOutcome.NotFound => ApiError.Result(404, "job_not_found", Capitalized(result.Message)),
            _ => ApiError.Result(409, conflictError, Capitalized(result.Message)),
        };
    }

    public static string Capitalized(string message) => char.ToUpperInvariant(message[0]) + message[1..];
}
