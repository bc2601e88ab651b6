namespace Backlinks.Links;

/// <summary>How snapshots become link rows, bound from the <c>Links</c> section (<c>Links__*</c>).</summary>
public sealed class LinkOptions
{
    public const string Section = "Links";

    /// <summary>
    /// The API returns at most this many rows; an answer that holds this many or more is a sample
    /// (links missing from it may simply have been cut), so it never marks a link lost.
    /// </summary>
    public int SampleCap { get; set; } = 5_000;

    /// <summary>Table batches in flight at once while a snapshot is written.</summary>
    public int WriteConcurrency { get; set; } = 8;

    /// <summary>
    /// How long one writer holds a domain. A writer that crashed stops blocking the domain after this;
    /// the next one first finishes the snapshot it left half-written.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often a writer waiting for a domain held by another looks again.</summary>
    public TimeSpan LeasePollInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}
