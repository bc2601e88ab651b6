using Backlinks.Jobs;
using Backlinks.Storage;

namespace Backlinks.Tests.Storage;

public class TableBatchesTests
{
    [Fact]
    public void Batches_never_mix_partitions_and_hold_at_most_100_entities()
    {
        var day1 = new DateTimeOffset(2026, 11, 28, 23, 59, 0, TimeSpan.Zero);
        var entities = Enumerable.Range(0, 250).Select(i => Job(day1))
            .Concat(Enumerable.Range(0, 30).Select(i => Job(day1.AddMinutes(2))))
            .ToList();

        var batches = TableBatches.Plan(entities);

        Assert.All(batches, b => Assert.Single(b.Select(e => e.PartitionKey).Distinct()));
        Assert.All(batches, b => Assert.InRange(b.Count, 1, 100));
        Assert.Equal([100, 100, 50, 30], batches.Select(b => b.Count));
        Assert.Equal(280, batches.Sum(b => b.Count));
    }

    private static JobEntity Job(DateTimeOffset at) => JobEntity.NewQueued(JobId.New(at), "example.com", false, false, at);
}
