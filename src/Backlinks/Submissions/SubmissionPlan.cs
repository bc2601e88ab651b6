using Backlinks.Domains;

namespace Backlinks.Submissions;

/// <summary>A domain that will become one job, with the first input that named it.</summary>
public sealed record PlannedLookup(string Domain, DomainInput Input);

/// <summary>An input that named a domain already in the same submission.</summary>
public sealed record DuplicateInput(DomainInput Input, string Domain);

/// <summary>An input that is not a usable domain, and why.</summary>
public sealed record RejectedInput(DomainInput Input, string Reason);

/// <summary>
/// What a submission will do before anything is written: the jobs to create (one per distinct
/// normalized domain), the duplicates folded into them, and the rejected inputs.
/// </summary>
public sealed record SubmissionPlan(
    IReadOnlyList<PlannedLookup> Lookups,
    IReadOnlyList<DuplicateInput> Duplicates,
    IReadOnlyList<RejectedInput> Rejected,
    bool OnePerDomain,
    bool Force)
{
    public static SubmissionPlan For(LookupRequest request)
    {
        var lookups = new List<PlannedLookup>();
        var duplicates = new List<DuplicateInput>();
        var rejected = new List<RejectedInput>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (var input in request.Inputs)
        {
            var normalized = DomainName.Normalize(input.Value);
            if (!normalized.IsValid)
            {
                rejected.Add(new RejectedInput(input, normalized.Error!));
            }
            else if (!seen.Add(normalized.Domain!))
            {
                duplicates.Add(new DuplicateInput(input, normalized.Domain!));
            }
            else
            {
                lookups.Add(new PlannedLookup(normalized.Domain!, input));
            }
        }
        return new SubmissionPlan(lookups, duplicates, rejected, request.OnePerDomain, request.Force);
    }
}
