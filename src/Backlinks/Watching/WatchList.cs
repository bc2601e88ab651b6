using Backlinks.Submissions;

namespace Backlinks.Watching;

public enum WatchAddStatus
{
    /// <summary>Every valid domain is watched with its settings (some inputs may have been rejected).</summary>
    Saved,

    /// <summary>No input was a usable domain: nothing was written.</summary>
    NothingValid,

    /// <summary>The body itself was refused (too large, unreadable, a bad interval): nothing was written.</summary>
    Refused,
}

/// <summary>What a bulk addition came to.</summary>
public sealed record WatchAddOutcome(WatchAddStatus Status, WatchAddResponse? Response, SubmissionProblem? Problem);

/// <summary>
/// The watch list's commands for the HTTP API and the CLI alike: add in bulk, put one, remove, list.
/// Saving is an upsert per domain, so repeating a request that failed part-way is safe.
/// </summary>
public sealed class WatchList(WatchListStore store)
{
    public async Task<WatchAddOutcome> AddAsync(WatchAddInput input, CancellationToken cancellationToken)
    {
        var (plan, problem) = WatchRequestParser.Parse(input);
        if (problem is not null)
        {
            return new WatchAddOutcome(WatchAddStatus.Refused, null, problem);
        }
        var duplicates = plan!.Duplicates.Select(d => new SubmissionResponse.DuplicateItem(d.Input.Value, d.Input.Line, d.Domain)).ToList();
        var rejected = plan.Rejected.Select(r => new SubmissionResponse.RejectedItem(r.Input.Value, r.Input.Line, r.Reason)).ToList();
        if (plan.Items.Count == 0)
        {
            return new WatchAddOutcome(WatchAddStatus.NothingValid, new WatchAddResponse([], [], [], duplicates, rejected,
                "no_valid_domains", $"None of the {rejected.Count} inputs is a valid domain; nothing was added."), null);
        }

        var saved = await store.SaveAsync(plan.Items.Select(i => (i.Domain, i.Settings)).ToList(), cancellationToken);
        List<WatchEntryView> Of(WatchChange change) => saved.Where(s => s.Change == change).Select(s => WatchEntryView.From(s.Entry)).ToList();
        return new WatchAddOutcome(WatchAddStatus.Saved,
            new WatchAddResponse(Of(WatchChange.Added), Of(WatchChange.Updated), Of(WatchChange.Unchanged), duplicates, rejected), null);
    }

    /// <summary>Adds or edits one entry (the domain already normalized).</summary>
    public async Task<(WatchEntryView Entry, WatchChange Change)> PutAsync(string domain, WatchSettings settings, CancellationToken cancellationToken)
    {
        var (entry, change) = (await store.SaveAsync([(domain, settings)], cancellationToken))[0];
        return (WatchEntryView.From(entry), change);
    }

    public Task<bool> RemoveAsync(string domain, CancellationToken cancellationToken) => store.RemoveAsync(domain, cancellationToken);

    public async Task<IReadOnlyList<WatchEntryView>> ListAsync(string? group, CancellationToken cancellationToken) =>
        (await store.ListAsync(group, cancellationToken)).Select(WatchEntryView.From).ToList();
}
