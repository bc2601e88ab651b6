using Backlinks.Submissions;

namespace Backlinks.Tests.Submissions;

public class SubmissionPlanTests
{
    [Fact]
    public void Folds_duplicates_after_normalization_and_keeps_rejects_with_their_lines()
    {
        var request = new LookupRequest(
        [
            new DomainInput("Example.com", 1),
            new DomainInput("https://www.example.com/page", 2),
            new DomainInput("localhost", 3),
            new DomainInput("other.org", 4),
        ], OnePerDomain: true, Force: false);

        var plan = SubmissionPlan.For(request);

        Assert.Equal(["example.com", "other.org"], plan.Lookups.Select(l => l.Domain));
        Assert.Equal(1, plan.Lookups[0].Input.Line);
        var duplicate = Assert.Single(plan.Duplicates);
        Assert.Equal((2, "example.com"), (duplicate.Input.Line!.Value, duplicate.Domain));
        var rejected = Assert.Single(plan.Rejected);
        Assert.Equal(3, rejected.Input.Line);
        Assert.Contains("localhost", rejected.Reason);
        Assert.True(plan.OnePerDomain);
    }
}
