using Microsoft.Extensions.Options;

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

/// <summary>The daily spending limit, bound from the <c>Budget</c> section (<c>Budget__*</c>).</summary>
public sealed class BudgetOptions
{
    public const string Section = "Budget";

    /// <summary>Credits the app may spend per UTC day; 0 (the default) means no limit.</summary>
    public int DailyCredits { get; set; }
}

public sealed class ThrottlingOptionsValidator : IValidateOptions<CacheOptions>, IValidateOptions<BudgetOptions>
{
    public ValidateOptionsResult Validate(string? name, CacheOptions options) =>
        options.Window < TimeSpan.Zero || options.SharedCallWait <= TimeSpan.Zero
            ? ValidateOptionsResult.Fail("Cache__Window cannot be negative and Cache__SharedCallWait must be positive.")
            : ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, BudgetOptions options) =>
        options.DailyCredits < 0
            ? ValidateOptionsResult.Fail("Budget__DailyCredits cannot be negative (0 means no limit).")
            : ValidateOptionsResult.Success;
}
