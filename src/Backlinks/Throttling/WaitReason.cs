namespace Backlinks.Throttling;

/// <summary>Why a job waits for its next attempt.</summary>
public static class WaitReason
{
    public const string RateLimited = "rate_limited";
    public const string OutOfCredits = "out_of_credits";

    /// <summary>Another job saw 402: the whole app is paused until credits are back.</summary>
    public const string SharedPause = "shared_pause";

    /// <summary>Another job saw 429: the whole app waits until the "not before" time.</summary>
    public const string SharedRateLimit = "shared_rate_limit";

    /// <summary>Another job is calling for the same (domain, onePerDomain); this one takes its result.</summary>
    public const string SharedCall = "shared_call";

    /// <summary>The API rejected the account's key: nothing calls until a working key is configured (or the key works again).</summary>
    public const string InvalidApiKey = "invalid_api_key";

    /// <summary>The daily credit budget is spent; the job waits for the next UTC day.</summary>
    public const string Budget = "budget";
}
