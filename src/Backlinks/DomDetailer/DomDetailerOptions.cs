using Microsoft.Extensions.Options;

namespace Backlinks.DomDetailer;

/// <summary>Settings of the DomDetailer API, bound from the <c>DomDetailer</c> section (<c>DomDetailer__*</c>).</summary>
public sealed class DomDetailerOptions
{
    public const string Section = "DomDetailer";

    /// <summary>The account key. Sent in the query string, so it is redacted wherever a URI could surface.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Identifies this integration to DomDetailer.</summary>
    public string App { get; set; } = "BacklinksFunctions";

    public Uri BaseUrl { get; set; } = new("https://domdetailer.com");

    public string BacklinksPath { get; set; } = "/api2/backlinks.php";

    /// <summary>One attempt's time limit. Real answers take 15–20 s; a short limit turns good calls into paid retries.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>In-process retries for 5xx, timeouts and connection failures, before the queue's own retries.</summary>
    public int TransientRetries { get; set; } = 2;

    public TimeSpan TransientRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The balance endpoint, asked while credits are out to learn when they are back.</summary>
    public string BalancePath { get; set; } = "/api/checkBalance.php";

    /// <summary>
    /// Calls per second the whole app makes at most (every instance together, per API account: see
    /// <c>SharedCallSlots</c>), so a steady stream runs at the allowed rate instead of bouncing off 429s.
    /// </summary>
    public double MaxRequestsPerSecond { get; set; } = 5;

    /// <summary>Calls in flight at once from this instance (also per instance).</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>A guard against a runaway body; a 5,000-row sample is a few MiB.</summary>
    public int MaxResponseBytes { get; set; } = 64 * 1024 * 1024;
}

/// <summary>Checks the settings at start-up, with messages that name the setting to fix.</summary>
public sealed class DomDetailerOptionsValidator : IValidateOptions<DomDetailerOptions>
{
    public ValidateOptionsResult Validate(string? name, DomDetailerOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            failures.Add("DomDetailer__ApiKey is not set: put your DomDetailer API key in the app settings (local.settings.json for func start, the environment for the backlinks tool, which also has --sandbox for simulated data).");
        }
        else if (KeyVaultReference.IsUnresolved(options.ApiKey))
        {
            failures.Add(KeyVaultReference.UnresolvedMessage("DomDetailer__ApiKey"));
        }
        if (string.IsNullOrWhiteSpace(options.App))
        {
            failures.Add("DomDetailer__App is empty: set it to a name for this integration.");
        }
        if (!options.BaseUrl.IsAbsoluteUri || options.BaseUrl.Scheme is not ("http" or "https"))
        {
            failures.Add("DomDetailer__BaseUrl must be an absolute http(s) URL.");
        }
        if (!options.BacklinksPath.StartsWith('/'))
        {
            failures.Add("DomDetailer__BacklinksPath must start with '/'.");
        }
        if (!options.BalancePath.StartsWith('/'))
        {
            failures.Add("DomDetailer__BalancePath must start with '/'.");
        }
        if (options.MaxRequestsPerSecond is <= 0 or > 1000)
        {
            failures.Add("DomDetailer__MaxRequestsPerSecond must be above 0 and at most 1000.");
        }
        if (options.MaxConcurrency is < 1 or > 256)
        {
            failures.Add("DomDetailer__MaxConcurrency must be between 1 and 256.");
        }
        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add("DomDetailer__Timeout must be positive.");
        }
        if (options.TransientRetries is < 0 or > 10)
        {
            failures.Add("DomDetailer__TransientRetries must be between 0 and 10.");
        }
        if (options.TransientRetryDelay < TimeSpan.Zero)
        {
            failures.Add("DomDetailer__TransientRetryDelay cannot be negative.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
