using Backlinks.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Http;

/// <summary>
/// <c>POST /api/control/resume</c> (admin key): checks the balance now. Credits back: the pause ends (200).
/// Still none (or the key still rejected): 409 with the balance. No pause on: 200, nothing changes.
/// </summary>
public sealed class ResumeApi(PauseResumer resumer)
{
    [Function(nameof(ResumeApi))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "control/resume")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var result = await resumer.ResumeAsync(cancellationToken);
        return result.Outcome == ResumeOutcome.StillPaused
            ? new ObjectResult(new ResumeRefused("still_paused", JobOperationResults.Capitalized(result.Message), result.BalanceUnits, result.PauseReason, result.NextProbeAtUtc)) { StatusCode = 409 }
            : new OkObjectResult(result);
    }

    /// <summary>The 409 body: <see cref="ApiError"/>'s two fields, and the balance the probe read.</summary>
    public sealed record ResumeRefused(string Error, string Message, long? BalanceUnits, string? PauseReason, DateTimeOffset? NextProbeAtUtc);
}
