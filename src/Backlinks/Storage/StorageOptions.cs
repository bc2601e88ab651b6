using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Backlinks.Storage;

/// <summary>Names of the storage resources, bound from the <c>Storage</c> section (<c>Storage__*</c>).</summary>
public sealed partial class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>The configuration key of the connection, shared with the Functions host.</summary>
    public const string ConnectionSetting = "AzureWebJobsStorage";

    public const string DevelopmentConnection = "UseDevelopmentStorage=true";

    /// <summary>
    /// The queue triggers read the queue name from this same setting (a binding expression), so the
    /// app setting <c>Storage__JobsQueue</c> moves the producers and the consumer together.
    /// </summary>
    public const string JobsQueueBinding = "%" + Section + ":" + nameof(JobsQueue) + "%";

    /// <summary>The host moves a message that failed too often to <c>{queue}-poison</c>; the poison trigger follows.</summary>
    public const string PoisonQueueBinding = JobsQueueBinding + PoisonSuffix;

    private const string PoisonSuffix = "-poison";

    public string JobsQueue { get; set; } = "backlink-jobs";

    /// <summary>Not a setting: the Functions host names the poison queue after the jobs queue.</summary>
    public string PoisonQueue => JobsQueue + PoisonSuffix;

    public string RawContainer { get; set; } = "backlinks-raw";

    // Lower case on purpose: Power BI's Table Storage connector with Entra sign-in fails on mixed-case names.
    public string MetricsTable { get; set; } = "backlinkmetrics";
    public string LatestMetricsTable { get; set; } = "backlinkmetricslatest";
    public string JobsTable { get; set; } = "backlinkjobs";

    // The link tables (Links/): every link of a domain, its gains and losses, its referring hosts.
    public string LinkRowsTable { get; set; } = "backlinkrows";
    public string LinkChangesTable { get; set; } = "backlinkchanges";
    public string RefDomainsTable { get; set; } = "backlinkrefdomains";

    /// <summary>The domains refreshed on a schedule (Watching/): one row per domain.</summary>
    public string WatchListTable { get; set; } = "backlinkwatchlist";

    /// <summary>State every instance shares, per API account: the out-of-credits pause, the 429 "not before", the credit ledger, call claims.</summary>
    public string ControlTable { get; set; } = "backlinkcontrol";

    /// <summary>
    /// The first wait before a failed storage request is tried again (doubling, three tries, at most 8×
    /// this): blips pass within seconds and an unreachable account is reported in about 5 s.
    /// </summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long one try of a storage request waits for an answer (or for each read of a body). Requests are small,
    /// so storage that takes connections and never answers is reported in under a minute (four tries), not after the
    /// SDK's 100 s a try. An upload keeps the SDK's 100 s: a raw answer of several megabytes must have time to go.
    /// </summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<(string Setting, string Name)> Tables =>
    [
        (nameof(MetricsTable), MetricsTable),
        (nameof(LatestMetricsTable), LatestMetricsTable),
        (nameof(JobsTable), JobsTable),
        (nameof(ControlTable), ControlTable),
        (nameof(LinkRowsTable), LinkRowsTable),
        (nameof(LinkChangesTable), LinkChangesTable),
        (nameof(RefDomainsTable), RefDomainsTable),
        (nameof(WatchListTable), WatchListTable),
    ];

    // The services' naming rules, checked at start so that a typo fails in one line instead of at the first write.
    [GeneratedRegex("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    internal static partial Regex QueueOrContainerName();

    [GeneratedRegex("^[a-z][a-z0-9]{2,62}$")]
    internal static partial Regex LowerCaseTableName();
}

public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions o)
    {
        var failures = new List<string>();
        if (!StorageOptions.QueueOrContainerName().IsMatch(o.PoisonQueue) || !StorageOptions.QueueOrContainerName().IsMatch(o.JobsQueue))
        {
            failures.Add($"Storage__JobsQueue '{o.JobsQueue}' is not a valid queue name (3-56 lower-case letters, digits and single hyphens; '-poison' is appended for the poison queue).");
        }
        if (!StorageOptions.QueueOrContainerName().IsMatch(o.RawContainer))
        {
            failures.Add($"Storage__RawContainer '{o.RawContainer}' is not a valid container name (3-63 lower-case letters, digits and single hyphens).");
        }
        foreach (var (setting, table) in o.Tables)
        {
            if (!StorageOptions.LowerCaseTableName().IsMatch(table))
            {
                failures.Add($"Storage__{setting} '{table}' is not a valid table name here (3-63 lower-case letters and digits, starting with a letter; lower case for Power BI).");
            }
        }
        if (o.RetryDelay <= TimeSpan.Zero || o.RetryDelay > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Storage__RetryDelay '{o.RetryDelay}' must be more than zero and at most a minute.");
        }
        if (o.NetworkTimeout <= TimeSpan.Zero || o.NetworkTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Storage__NetworkTimeout '{o.NetworkTimeout}' must be more than zero and at most 10 minutes.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
