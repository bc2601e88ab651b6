using System.ComponentModel;
using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Links;
using Backlinks.Storage;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands;

/// <summary>
/// <c>backlinks replay [--domain D] [--since DATE]</c>: rebuilds the metrics and link tables from the raw
/// blobs alone, in snapshot order: no API call, no credit. A second replay changes nothing.
/// </summary>
internal sealed class ReplayCommand(CliContext cli) : AsyncCommand<ReplayCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("--domain <DOMAIN>")]
        [Description("Only this domain's snapshots (any spelling).")]
        public string? Domain { get; init; }

        [CommandOption("--since <DATE>")]
        [Description("Only snapshots fetched at or after this date or time (UTC unless an offset is given).")]
        public string? Since { get; init; }

        [CommandOption("--json")]
        [Description("Print the summary as JSON.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var domain = settings.Domain is null ? null : LinkArguments.Domain(settings.Domain);
        var since = LinkArguments.Since(settings.Since);

        await using var services = await cli.CreatePipelineAsync(cancellationToken);
        var replayer = services.GetRequiredService<SnapshotReplayer>();
        var plan = await replayer.PlanAsync(new ReplayRequest(domain, since), cancellationToken);

        var summary = settings.Json || plan.Snapshots == 0
            ? await replayer.RunAsync(plan, null, cancellationToken)
            : await cli.Error.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask("Replaying snapshots", maxValue: plan.Snapshots);
                return await replayer.RunAsync(plan, new Reporter(done => task.Value = done), cancellationToken);
            });

        if (settings.Json)
        {
            Render.AsJson(cli, summary);
            return ExitCodes.Ok;
        }
        cli.Out.MarkupLine(
            $"Replayed [green]{summary.Snapshots}[/] snapshots of {summary.Domains} domains: {summary.Applied} applied, " +
            $"{summary.AlreadyApplied} already applied, {summary.Late} older than one applied, {summary.Unreadable} unreadable; " +
            $"{summary.NewLinks} new and {summary.LostLinks} lost links recorded. No API call was made.");
        return ExitCodes.Ok;
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and lag behind).</summary>
    private sealed class Reporter(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
