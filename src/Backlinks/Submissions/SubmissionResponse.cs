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

    /// <param name="notEnqueued">Jobs that were not queued (storage failed or the submission was stopped): they do not exist.</param>
    public static SubmissionResponse From(SubmissionPlan plan, IReadOnlyList<SubmittedJob> accepted, IReadOnlyList<SubmittedJob> notEnqueued, string? error = null)
    {
        var response = new SubmissionResponse(
            plan.OnePerDomain,
            plan.Force,
            accepted.Select(ToItem).ToList(),
            DuplicateItems(plan),
            RejectedItems(plan),
            notEnqueued.Select(ToItem).ToList());
        return notEnqueued.Count == 0
            ? response
            : response with
            {
                Error = "storage_unavailable",
                Message = $"The submission stopped part-way ({error}): {notEnqueued.Count} jobs were not queued (listed in notEnqueued; submit them again); the {accepted.Count} others were.",
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
