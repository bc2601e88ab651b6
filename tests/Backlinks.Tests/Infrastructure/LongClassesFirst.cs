using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: Xunit.TestCollectionOrderer(Backlinks.Tests.Infrastructure.LongClassesFirst.TypeName, "Backlinks.Tests")]

namespace Backlinks.Tests.Infrastructure;

/// <summary>
/// A test class whose tests wait out real time that no amount of CPU shortens (a 15-s message lease, a pause's probe
/// intervals): it starts before the other classes, so that its wait overlaps theirs instead of ending the parallel phase.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class WaitsOnTheClockAttribute : Attribute;

/// <summary>
/// Orders the test classes for the parallel phase: <see cref="WaitsOnTheClockAttribute"/> classes first, the rest as
/// xUnit had them. xUnit starts at most <c>maxParallelThreads</c> tests at once, giving the free places in the order
/// the classes were queued; a class that waits 15 s and got its place late ran on nearly alone after the others (the
/// parallel phase ended anywhere from 38 s to 59 s, depending on where such a class fell).
/// </summary>
public sealed class LongClassesFirst : ITestCollectionOrderer
{
    public const string TypeName = "Backlinks.Tests.Infrastructure.LongClassesFirst";

    // The collection xUnit makes for each class without a [Collection] of its own.
    private const string PerClassPrefix = "Test collection for ";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => WaitsOnTheClock(c) ? 0 : 1);

    public static bool WaitsOnTheClock(ITestCollection collection) =>
        collection.CollectionDefinition is null
        && collection.DisplayName.StartsWith(PerClassPrefix, StringComparison.Ordinal)
        && typeof(LongClassesFirst).Assembly.GetType(collection.DisplayName[PerClassPrefix.Length..]) is { } type
        && type.IsDefined(typeof(WaitsOnTheClockAttribute), inherit: false);
}
