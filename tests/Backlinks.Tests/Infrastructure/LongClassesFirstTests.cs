using Backlinks.Tests.Cli;
using Backlinks.Tests.Throttling;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Backlinks.Tests.Infrastructure;

/// <summary>The order the parallel phase starts the classes in, on the collections xUnit itself makes for them.</summary>
public sealed class LongClassesFirstTests
{
    private readonly CollectionPerClassTestCollectionFactory _collections =
        new(new TestAssembly(Reflector.Wrap(typeof(LongClassesFirstTests).Assembly)), new NullMessageSink());

    [Fact]
    public void Classes_that_wait_on_the_clock_are_queued_first_and_the_others_keep_their_order()
    {
        var display = For<DisplayTests>();
        var outage = For<OneCarefulClientTests>();
        var usage = For<UsageContractTests>();

        Assert.True(LongClassesFirst.WaitsOnTheClock(outage));
        Assert.False(LongClassesFirst.WaitsOnTheClock(display));
        Assert.Equal([outage, display, usage], new LongClassesFirst().OrderTestCollections([display, outage, usage]));
    }

    private ITestCollection For<T>() => _collections.Get(Reflector.Wrap(typeof(T)));
}
