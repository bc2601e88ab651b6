namespace Backlinks.Storage;

/// <summary>Names of the storage resources, bound from the <c>Storage</c> section (<c>Storage__*</c>).</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>The configuration key of the connection, shared with the Functions host.</summary>
    public const string ConnectionSetting = "AzureWebJobsStorage";

    public const string DevelopmentConnection = "UseDevelopmentStorage=true";

    // The Functions triggers bind to these defaults by name (see Backlinks.Functions); change both together.
    public const string DefaultJobsQueue = "backlink-jobs";
    public const string DefaultPoisonQueue = DefaultJobsQueue + "-poison";

    public string JobsQueue { get; set; } = DefaultJobsQueue;
    public string PoisonQueue { get; set; } = DefaultPoisonQueue;
    public string RawContainer { get; set; } = "backlinks-raw";

    // Lower case on purpose: Power BI's Table Storage connector with Entra sign-in fails on mixed-case names.
    public string MetricsTable { get; set; } = "backlinkmetrics";
    public string LatestMetricsTable { get; set; } = "backlinkmetricslatest";
    public string JobsTable { get; set; } = "backlinkjobs";

    // The link tables (Links/): every link of a domain, its gains and losses, its referring hosts.
    public string LinkRowsTable { get; set; } = "backlinkrows";
    public string LinkChangesTable { get; set; } = "backlinkchanges";
    public string RefDomainsTable { get; set; } = "backlinkrefdomains";

    /// <summary>App-wide state every instance shares: the out-of-credits pause, the 429 "not before", the credit ledger.</summary>
    public string ControlTable { get; set; } = "backlinkcontrol";
}
