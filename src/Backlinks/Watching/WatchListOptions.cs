using Microsoft.Extensions.Options;

namespace Backlinks.Watching;

/// <summary>The scheduled refresh, bound from the <c>WatchList</c> section (<c>WatchList__*</c>).</summary>
public sealed class WatchListOptions
{
    public const string Section = "WatchList";

    /// <summary>
    /// The timer trigger reads its schedule from this setting (a binding expression), so the app setting
    /// <c>WatchList__Schedule</c> must exist wherever the Functions app runs.
    /// </summary>
    public const string ScheduleBinding = "%" + Section + ":" + nameof(Schedule) + "%";

    /// <summary>The NCRONTAB schedule of <c>RefreshWatchList</c> (seconds first): every 15 minutes.</summary>
    public string Schedule { get; set; } = "0 */15 * * * *";

    /// <summary>
    /// The jobs of one run are spread over this span with initial visibility delays instead of arriving at
    /// once: set it to the schedule's period, so a run's jobs are out before the next run.
    /// </summary>
    public TimeSpan SpreadOver { get; set; } = TimeSpan.FromMinutes(15);
}

internal sealed class WatchListOptionsValidator : IValidateOptions<WatchListOptions>
{
    public ValidateOptionsResult Validate(string? name, WatchListOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Schedule))
        {
            failures.Add("WatchList__Schedule must be an NCRONTAB expression such as '0 */15 * * * *'.");
        }
        if (options.SpreadOver < TimeSpan.Zero || options.SpreadOver > TimeSpan.FromDays(1))
        {
            failures.Add("WatchList__SpreadOver must be between 00:00:00 and 1.00:00:00.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
