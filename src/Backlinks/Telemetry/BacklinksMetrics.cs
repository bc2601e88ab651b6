using System.Diagnostics;
using System.Diagnostics.Metrics;
using Backlinks.Throttling;
using static Backlinks.Telemetry.BacklinksTelemetry;

namespace Backlinks.Telemetry;

/// <summary>
/// The pipeline's instruments, under the names DESIGN.md fixes (a contract with dashboards and alerts).
/// One per service provider, from its <see cref="IMeterFactory"/>, so that each host (and each test) owns its meter.
/// </summary>
public sealed class BacklinksMetrics
{
    public const string ApiCalls = "backlinks.api.calls";
    public const string CreditsSpent = "backlinks.credits.spent";
    public const string JobsCompleted = "backlinks.jobs.completed";
    public const string JobDuration = "backlinks.job.duration";
    public const string QueueDelay = "backlinks.queue.delay";
    public const string PauseActive = "backlinks.pause.active";
    public const string LinksNew = "backlinks.links.new";
    public const string LinksLost = "backlinks.links.lost";

    /// <summary>What an API call that got no HTTP answer is counted as.</summary>
    public const string TimeoutStatus = "timeout";
    public const string ConnectionFailedStatus = "connection_failed";

    private readonly Counter<long> _apiCalls;
    private readonly Counter<long> _credits;
    private readonly Counter<long> _jobsCompleted;
    private readonly Histogram<double> _jobDuration;
    private readonly Histogram<double> _queueDelay;
    private readonly Counter<long> _linksNew;
    private readonly Counter<long> _linksLost;

    public BacklinksMetrics(IMeterFactory meters, AccountState account)
    {
        var meter = meters.Create(Name);
        _apiCalls = meter.CreateCounter<long>(ApiCalls, "{call}", "HTTP requests to the DomDetailer API, each attempt, by endpoint and status");
        _credits = meter.CreateCounter<long>(CreditsSpent, "{credit}", "Credits the answers paid for cost");
        _jobsCompleted = meter.CreateCounter<long>(JobsCompleted, "{job}", "Jobs that reached a final status");
        _jobDuration = meter.CreateHistogram<double>(JobDuration, "s", "From a job's creation to its final status");
        _queueDelay = meter.CreateHistogram<double>(QueueDelay, "s", "From a job's creation to its first run");
        _linksNew = meter.CreateCounter<long>(LinksNew, "{link}", "Links seen for the first time in a domain's snapshot");
        _linksLost = meter.CreateCounter<long>(LinksLost, "{link}", "Links gone from a domain's snapshot");
        // Fed from the state the gates already read (no storage read per collection): nothing until one was read.
        meter.CreateObservableGauge(PauseActive, () => PauseMeasurements(account.LastRead), "{pause}", "1 while the account's calls are paused (out of credits, or the key rejected)");
    }

    /// <param name="endpoint"><c>backlinks</c> or <c>balance</c>.</param>
    /// <param name="status">The HTTP status code, or <see cref="TimeoutStatus"/> / <see cref="ConnectionFailedStatus"/>.</param>
    public void RecordApiCall(string endpoint, string status) =>
        _apiCalls.Add(1, new TagList { { Attributes.Endpoint, endpoint }, { Attributes.Status, status } });

    public void RecordCreditsSpent(int credits) => _credits.Add(credits);

    public void RecordJobCompleted(string status, TimeSpan sinceCreated)
    {
        var tags = new TagList { { Attributes.Status, status } };
        _jobsCompleted.Add(1, tags);
        _jobDuration.Record(Math.Max(0, sinceCreated.TotalSeconds), tags);
    }

    public void RecordQueueDelay(TimeSpan sinceCreated) => _queueDelay.Record(Math.Max(0, sinceCreated.TotalSeconds));

    public void RecordLinkChanges(int newLinks, int lostLinks)
    {
        _linksNew.Add(newLinks);
        _linksLost.Add(lostLinks);
    }

    // One series without tags: a tag per reason would leave a stale series behind when the reason changes.
    private static IEnumerable<Measurement<int>> PauseMeasurements(AccountStateSnapshot? state) => state is null
        ? []
        : [new Measurement<int>(state.Control is { PauseActive: true } ? 1 : 0)];
}
