namespace Backlinks.Submissions;

/// <summary>The answer to a submission, for the HTTP API and the command line's --json output.</summary>
public sealed record SubmissionResponse(
    bool OnePerDomain,
    bool Force,
    IReadOnlyList<SubmissionResponse.AcceptedItem> Accepted,
    IReadOnlyList<SubmissionResponse.DuplicateItem> Duplicates,
    IReadOnlyList<SubmissionResponse.RejectedItem> Rejected,
    IReadOnlyList<SubmissionResponse.AcceptedItem> NotEnqueued,
    string? Error = null,
    string? Message = null)
{
    public sealed record AcceptedItem(string JobId, string Domain, string Input, int? Line, string StatusUrl);

    public sealed record DuplicateItem(string Input, int? Line, string Domain);

    public sealed record RejectedItem(string Input, int? Line, string Reason);

    public static SubmissionResponse From(SubmissionResult result, SubmissionPlan plan)
    {
        var response = new SubmissionResponse(
            plan.OnePerDomain,
            plan.Force,
            result.Accepted.Select(ToItem).ToList(),
            DuplicateItems(plan),
            RejectedItems(plan),
            result.NotEnqueued.Select(ToItem).ToList());
        return result.IsComplete
            ? response
            : response with
            {
                Error = "storage_unavailable",
                Message = $"Storage failed part-way: {result.NotEnqueued.Count} jobs were not queued (listed in notEnqueued); the others were.",
            };
    }

    /// <summary>The answer when no input was a usable domain: nothing was written.</summary>
    public static SubmissionResponse NothingValid(SubmissionPlan plan) =>
        new(plan.OnePerDomain, plan.Force, [], DuplicateItems(plan), RejectedItems(plan), [],
            "no_valid_domains", $"None of the {plan.Rejected.Count} inputs is a valid domain; nothing was queued.");

    private static AcceptedItem ToItem(SubmittedJob job) =>
        new(job.JobId, job.Domain, job.Input.Value, job.Input.Line, $"/api/lookups/{job.JobId}");

    private static List<DuplicateItem> DuplicateItems(SubmissionPlan plan) =>
        plan.Duplicates.Select(d => new DuplicateItem(d.Input.Value, d.Input.Line, d.Domain)).ToList();

    private static List<RejectedItem> RejectedItems(SubmissionPlan plan) =>
        plan.Rejected.Select(r => new RejectedItem(r.Input.Value, r.Input.Line, r.Reason)).ToList();
}
