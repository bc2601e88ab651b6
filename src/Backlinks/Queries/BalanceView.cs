namespace Backlinks.Queries;

/// <summary>The balance as last asked.</summary>
public sealed record BalanceView(long UnitsLeft, DateTimeOffset CheckedAtUtc);
