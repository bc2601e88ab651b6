namespace Backlinks.Throttling;

/// <summary>Reuse of stored snapshots, bound from the <c>Cache</c> section (<c>Cache__*</c>).</summary>
public sealed class CacheOptions
{
    public const string Section = "Cache";

    /// <summary>A job whose (domain, onePerDomain) has a snapshot newer than this is served from it; <c>force</c> bypasses it.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a job waits while another job calls the API for the same (domain, onePerDomain).</summary>
    public TimeSpan SharedCallWait { get; set; } = TimeSpan.FromSeconds(30);
}
