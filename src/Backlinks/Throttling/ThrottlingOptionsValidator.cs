using Microsoft.Extensions.Options;

namespace Backlinks.Throttling;

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
