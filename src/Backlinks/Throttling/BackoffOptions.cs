using Microsoft.Extensions.Options;

namespace Backlinks.Throttling;

/// <summary>How long jobs wait after 429 and 402, bound from the <c>Backoff</c> section (<c>Backoff__*</c>).</summary>
public sealed class BackoffOptions
{
    public const string Section = "Backoff";

    /// <summary>How long the whole app holds its calls after a 429 that carries no Retry-After.</summary>
    public TimeSpan RateLimitPause { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait of a job after a 429 without Retry-After; doubles per 429 of the same job. It delays that job only.</summary>
    public TimeSpan RateLimitBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Cap of the 429 backoff. A longer Retry-After is still honoured, up to an hour (<see cref="DomDetailer.RetryAfter.Longest"/>): calling earlier would be refused.</summary>
    public TimeSpan RateLimitMaxDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>First wait after a 402; credits rarely come back within seconds.</summary>
    public TimeSpan CreditsInitialDelay { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan CreditsMaxDelay { get; set; } = TimeSpan.FromHours(6);

    /// <summary>A job that would still be waiting this long after it was created fails instead.</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromHours(72);

    /// <summary>Each delay is shortened by a random part of up to this fraction, so waiting jobs do not return together.</summary>
    public double JitterRatio { get; set; } = 0.2;
}

public sealed class BackoffOptionsValidator : IValidateOptions<BackoffOptions>
{
    public ValidateOptionsResult Validate(string? name, BackoffOptions o)
    {
        var failures = new List<string>();
        if (o.RateLimitBaseDelay <= TimeSpan.Zero || o.RateLimitMaxDelay < o.RateLimitBaseDelay)
        {
            failures.Add("Backoff__RateLimitBaseDelay must be positive and at most Backoff__RateLimitMaxDelay.");
        }
        if (o.RateLimitPause <= TimeSpan.Zero || o.RateLimitPause > TimeSpan.FromHours(1))
        {
            failures.Add("Backoff__RateLimitPause must be positive and at most an hour.");
        }
        if (o.CreditsInitialDelay <= TimeSpan.Zero || o.CreditsMaxDelay < o.CreditsInitialDelay)
        {
            failures.Add("Backoff__CreditsInitialDelay must be positive and at most Backoff__CreditsMaxDelay.");
        }
        if (o.MaxWait <= TimeSpan.Zero)
        {
            failures.Add("Backoff__MaxWait must be positive.");
        }
        if (o.JitterRatio is < 0 or >= 1)
        {
            failures.Add("Backoff__JitterRatio must be in [0, 1).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
