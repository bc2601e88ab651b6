using Backlinks.Watching;
using Microsoft.Azure.Functions.Worker;

namespace Backlinks.Functions.Timer;

/// <summary>
/// On the schedule in <c>WatchList__Schedule</c> (every 15 minutes by default): queue a job for each due
/// entry of the watch list, within the day's credit budget. The host runs one firing at a time across
/// instances; the entries' conditional claims keep a concurrent <c>backlinks watch run</c> from doubling a job.
/// </summary>
public sealed class RefreshWatchList(WatchListRefresher refresher)
{
    [Function(nameof(RefreshWatchList))]
    public async Task Run([TimerTrigger(WatchListOptions.ScheduleBinding)] TimerInfo timer, CancellationToken cancellationToken) =>
        await refresher.RunAsync(cancellationToken);
}
