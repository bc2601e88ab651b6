using System.Globalization;
using System.Text.Json;
using Backlinks.Cli.Hosting;
using Backlinks.Jobs;
using Backlinks.Queries;
using Spectre.Console;

namespace Backlinks.Cli.Output;

/// <summary>How results look: tables for people, JSON (camelCase, like the HTTP API) for scripts.</summary>
internal static class Render
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Writes the run's one JSON document to stdout as it is, without markup or line wrapping.</summary>
    public static void AsJson<T>(CliContext cli, T value)
    {
        var writer = cli.Out.Profile.Out.Writer;
        writer.WriteLine(JsonSerializer.Serialize(value, Json));
        writer.Flush();
        cli.WroteResult = true;
    }

    /// <summary>The metrics a person scans, narrow enough for 80 columns; --json has every column. A history shows the time of day too.</summary>
    public static Table Metrics(IEnumerable<MetricsView> rows, bool withTime = false)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Domain").AddColumn("Fetched")
            .AddColumn(new TableColumn("Links in").RightAligned()).AddColumn(new TableColumn("Ref dom.").RightAligned())
            .AddColumn(new TableColumn("Follow").RightAligned()).AddColumn(new TableColumn("NF %").RightAligned())
            .AddColumn(new TableColumn("Rows").RightAligned());
        foreach (var m in rows)
        {
            table.AddRow(
                Display.Markup(m.Domain),
                m.FetchedAtUtc.UtcDateTime.ToString(withTime ? "yyyy-MM-dd HH:mm:ss'Z'" : "yyyy-MM-dd", CultureInfo.InvariantCulture),
                Number(m.LinksIn), Number(m.RefDomains), Number(m.BacklinksFollow),
                m.NofollowRatio.ToString("0.0", CultureInfo.InvariantCulture), Number(m.BacklinkRows));
        }
        return table;
    }

    public static Table Job(JobView job)
    {
        var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("");
        table.AddRow("Job", job.JobId);
        table.AddRow("Domain", Display.Markup(job.Domain));
        table.AddRow("Status", Status(job.Status));
        if (job.Waiting is { } waiting)
        {
            table.AddRow("Waiting", $"{Display.Markup(waiting.Reason)} until {waiting.NextAttemptAtUtc:u}");
        }
        table.AddRow("Attempts", Number(job.Attempts));
        if (job.Retries > 0)
        {
            table.AddRow("Retries", Number(job.Retries));
        }
        table.AddRow("One per domain", job.OnePerDomain ? "yes" : "no");
        table.AddRow("Created (UTC)", job.CreatedAtUtc.ToString("u", CultureInfo.InvariantCulture));
        table.AddRow("Updated (UTC)", job.UpdatedAtUtc.ToString("u", CultureInfo.InvariantCulture));
        if (job.CompletedAtUtc is { } completed)
        {
            table.AddRow("Completed (UTC)", completed.ToString("u", CultureInfo.InvariantCulture));
        }
        if (job.LastError is { } error)
        {
            table.AddRow("Last error", Display.Markup(error));
        }
        if (job.Result is { } result)
        {
            table.AddRow("Raw JSON", Display.Markup(result.RawBlobPath));
            table.AddRow("Served from cache", result.ServedFromCache ? $"yes: {Display.Markup(CachedFrom(job))}" : "no");
            table.AddRow("Backlink rows", result.BacklinkRows?.ToString(CultureInfo.InvariantCulture) ?? "");
        }
        return table;
    }

    public static Table App(AppStatusView status)
    {
        var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("");
        table.AddRow("API account", status.Account.Id is { } id
            ? $"{Display.Markup(status.Account.Host!)} · {id}"
            : $"[yellow]none[/]: {Display.Markup(status.Account.NotConfigured ?? "")}");
        table.AddRow("Queue", $"{Number(status.QueueDepth)} messages ({Number(status.PoisonDepth)} in poison)");
        table.AddRow("Jobs", string.Join(" · ", status.JobsByStatus.Select(s => $"{s.Key} {Number(s.Value)}")));
        table.AddRow("Pause", status.Pause is { } pause
            ? pause.Reason == Throttling.WaitReason.InvalidApiKey
                ? $"[yellow]API key rejected[/] since {pause.StartedAtUtc:u}: every job waits until a working key is set"
                : $"[yellow]out of credits[/] since {pause.StartedAtUtc:u}, next probe {pause.UntilUtc:u}"
            : "none");
        if (status.NotBeforeUtc is { } notBefore)
        {
            table.AddRow("Rate limited", $"no call before {notBefore:u}");
        }
        table.AddRow("Credits today", status.DailyCreditBudget is { } budget
            ? $"{Number(status.CreditsSpentToday)} of {Number(budget)}"
            : $"{Number(status.CreditsSpentToday)} (no daily budget)");
        table.AddRow("Balance", status.LastKnownBalance is { } balance
            ? $"{Number(balance.UnitsLeft)} credits at {balance.CheckedAtUtc:u}"
            : "not checked yet (it is asked during an out-of-credits pause)");
        var watch = status.WatchList;
        table.AddRow("Watch list", $"{Number(watch.Watched)} watched · {Number(watch.DueNow)} due now · {Number(watch.HeldBackByBudget)} held back by the budget"
            + (watch.NextDueUtc is { } next ? $" · next due {next:u}" : ""));
        return table;
    }

    /// <summary>Which snapshot served a cached job: the job that fetched it, as its row records, and when.</summary>
    public static string CachedFrom(JobView job) =>
        $"the snapshot of job {job.SnapshotJobId}" +
        (job.Result?.FetchedAtUtc is { } fetched ? $", fetched {fetched.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}" : "");

    public static string Status(string status) => status switch
    {
        JobStatus.Succeeded => "[green]succeeded[/]",
        JobStatus.Failed => "[red]failed[/]",
        JobStatus.Waiting => "[yellow]waiting[/]",
        JobStatus.Cancelled => "[grey]cancelled[/]",
        _ => status,
    };

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
