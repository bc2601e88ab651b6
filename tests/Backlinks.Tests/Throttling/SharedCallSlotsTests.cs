using Backlinks.Tests.Infrastructure;
using Backlinks.Throttling;

namespace Backlinks.Tests.Throttling;

/// <summary>The account's shared call schedule: slots claimed in batches by several instances never overlap, and stay spaced at the rate.</summary>
public sealed class SharedCallSlotsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Instances_of_one_account_take_slots_that_never_overlap_and_are_spaced_at_the_rate()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite);
        var account = pipeline.Get<ApiAccount>();
        SharedCallSlots[] instances = [new(pipeline.Storage, account), new(pipeline.Storage, account), new(pipeline.Storage, account)];
        const double perSecond = 200;

        // Each instance takes its slots concurrently with the others: their claims conflict and are retried.
        var taken = await Task.WhenAll(instances.Select(async instance =>
        {
            var slots = new List<DateTimeOffset>();
            for (var i = 0; i < 150; i++)
            {
                slots.Add(await instance.NextAsync(perSecond, CancellationToken.None));
            }
            return slots;
        }));

        var all = taken.SelectMany(s => s).Order().ToList();
        var spacing = TimeSpan.FromSeconds(SharedCallSlots.SpacingMargin / perSecond);
        Assert.All(all.Zip(all.Skip(1)), pair => Assert.True(pair.Second - pair.First >= spacing - TimeSpan.FromTicks(10),
            $"slots {pair.First:HH:mm:ss.fffffff} and {pair.Second:HH:mm:ss.fffffff} are closer than {spacing.TotalMilliseconds} ms"));
        Assert.True(instances.Sum(i => i.Claims) >= 3);
    }

    [Theory]
    [InlineData(10, 1, 10)]
    [InlineData(10, 3, 3)]
    [InlineData(10, 20, 1)]
    [InlineData(0.5, 1, 1)]
    public void A_batch_is_about_a_second_of_the_rate_split_among_the_instances_claiming(double perSecond, int claimants, int expected) =>
        Assert.Equal(expected, SharedCallSlots.BatchSize(perSecond, claimants));
}
