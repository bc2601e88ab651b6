namespace Backlinks.Throttling;

/// <summary>The daily spending limit, bound from the <c>Budget</c> section (<c>Budget__*</c>).</summary>
public sealed class BudgetOptions
{
    public const string Section = "Budget";

    /// <summary>Credits the app may spend per UTC day; 0 (the default) means no limit.</summary>
    public int DailyCredits { get; set; }
}
