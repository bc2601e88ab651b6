using System.Diagnostics;

namespace Backlinks.Tests.Infrastructure;

/// <summary>
/// Which test a flow of work belongs to. The first pipeline a test starts marks the test's flow, and the mark goes
/// wherever that flow goes (awaits, tasks it starts, the pipeline's own calls), so that a pipeline recording traces
/// keeps its own activities and leaves those of the tests running beside it. Activities started outside any test (a
/// timer, a connection's own work) are everyone's: they may be this pipeline's, and a leak search must see them.
/// </summary>
public static class TestFlow
{
    private const string Property = "backlinks.tests.flow";

    private static readonly AsyncLocal<object?> Current = new();

    /// <summary>
    /// The mark of the calling test's flow, made on first use. Call it from a method that is not <c>async</c>: an
    /// async method's changes to the flow end with it, and the mark must stay for the rest of the test.
    /// </summary>
    public static object Mark() => Current.Value ??= new object();

    /// <summary>Whether the work running now may belong to <paramref name="flow"/>'s test.</summary>
    public static bool NowIn(object flow) => Current.Value is null || Current.Value == flow;

    /// <summary>Notes on an activity, as it starts, which test's flow started it.</summary>
    public static void Stamp(Activity activity) => activity.SetCustomProperty(Property, Current.Value);

    /// <summary>Whether an activity may belong to <paramref name="flow"/>'s test: started in its flow, outside any, or never stamped.</summary>
    public static bool Holds(object flow, Activity activity) => activity.GetCustomProperty(Property) is not { } startedIn || startedIn == flow;
}
