using System.ComponentModel;
using System.Globalization;
using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Submissions;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands;

/// <summary><c>backlinks submit FILE|-</c>: the bulk submission of POST /api/lookups, from a file or stdin.</summary>
internal sealed class SubmitCommand(CliContext cli) : AsyncCommand<SubmitCommand.Settings>
{
    /// <summary>What a lone "-" on the command line becomes before parsing: read stdin.</summary>
    internal const string StdinArgument = "\u0000stdin";

    private const int ProgressBarFrom = 200;

    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "<FILE>")]
        [Description("One domain per line, or CSV (a 'domain' column, else the first column); '-' reads stdin.")]
        public string File { get; init; } = "";

        [CommandOption("--one-per-domain")]
        [Description("At most one backlink per referring domain.")]
        public bool OnePerDomain { get; init; }

        [CommandOption("--force")]
        [Description("Call the API for each job even when a recent snapshot of its domain would serve it (3 credits each).")]
        public bool Force { get; init; }

        [CommandOption("--json")]
        [Description("Print the result as JSON, like POST /api/lookups answers.")]
        public bool Json { get; init; }

        [CommandOption("--format <FORMAT>")]
        [Description("text (one domain per line), csv or json; by default from the file's extension, else from its content.")]
        public string? Format { get; init; }

        public override ValidationResult Validate() =>
            Format is null || Formats.ContainsKey(Format)
                ? ValidationResult.Success()
                : ValidationResult.Error($"--format must be text, csv or json, not '{Display.Safe(Format)}'");
    }

    private static readonly Dictionary<string, SubmissionFormat> Formats = new(StringComparer.OrdinalIgnoreCase)
    {
        ["text"] = SubmissionFormat.Lines,
        ["csv"] = SubmissionFormat.Csv,
        ["json"] = SubmissionFormat.Json,
    };

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var body = await ReadAsync(cli, settings.File, cancellationToken);
        var format = settings.Format is { } forced ? Formats[forced]
            : settings.File == StdinArgument ? LookupRequestParser.FormatForContent(body)
            : LookupRequestParser.FormatForFile(settings.File, body);
        var input = new SubmissionInput(body, format, settings.OnePerDomain, settings.Force);

        await using var services = await cli.CreatePipelineAsync(cancellationToken);
        var submissions = services.GetRequiredService<SubmissionService>();
        var outcome = body.AsSpan().Count((byte)'\n') >= ProgressBarFrom && !settings.Json
            ? await SubmitWithProgressAsync(submissions, input, cancellationToken)
            : await submissions.SubmitAsync(input, cancellationToken);

        switch (outcome.Status)
        {
            case SubmissionStatus.Refused:
                throw new CliException(outcome.Problem!.Message, outcome.Problem.Error, ExitCodes.NothingSubmitted);
            case SubmissionStatus.NothingValid:
                Report(settings, outcome.Response!);
                return ExitCodes.NothingSubmitted;
            case SubmissionStatus.Incomplete when outcome.Response!.Accepted.Count == 0 && !settings.Json:
                throw new CliException($"nothing was queued: {ErrorReporter.Unreachable(cli.Configuration)}", "storage_unreachable");
            case SubmissionStatus.Incomplete:
                Report(settings, outcome.Response!);
                return ExitCodes.Error;
            default:
                Report(settings, outcome.Response!);
                return outcome.Response!.Rejected.Count > 0 ? ExitCodes.SomeRejected : ExitCodes.Ok;
        }
    }

    /// <summary>Stdin and a file alike: streamed, stopped at the size limit, decoded later by the one parser (submit, watch add).</summary>
    internal static async Task<byte[]> ReadAsync(CliContext cli, string file, CancellationToken cancellationToken)
    {
        byte[]? body;
        if (file == StdinArgument)
        {
            // A read from the console blocks and ignores the token: Ctrl-C or SIGTERM must not wait for input that may never come.
            body = await BoundedBody.ReadAsync(cli.Input, SubmissionLimits.MaxBodyBytes, cancellationToken).WaitAsync(cancellationToken);
        }
        else
        {
            if (!System.IO.File.Exists(file))
            {
                throw new CliException($"no such file: {file}", "no_such_file", ExitCodes.NothingSubmitted);
            }
            await using var stream = System.IO.File.OpenRead(file);
            body = await BoundedBody.ReadAsync(stream, SubmissionLimits.MaxBodyBytes, cancellationToken);
        }
        return body ?? throw new CliException(LookupRequestParser.TooLarge().Message, "body_too_large", ExitCodes.NothingSubmitted);
    }

    private async Task<SubmissionOutcome> SubmitWithProgressAsync(SubmissionService submissions, SubmissionInput input, CancellationToken cancellationToken) =>
        await cli.Error.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("Queueing jobs");
            return await submissions.SubmitAsync(input, cancellationToken, new Reporter(p =>
            {
                task.MaxValue = p.Total;
                task.Value = p.Sent;
            }));
        });

    private void Report(Settings settings, SubmissionResponse response)
    {
        if (settings.Json)
        {
            Render.AsJson(cli, response);
            return;
        }

        var console = cli.Out;
        console.MarkupLine($"Accepted [green]{response.Accepted.Count}[/] · duplicates {response.Duplicates.Count} · rejected [red]{response.Rejected.Count}[/]");
        if (response.Rejected.Count > 0)
        {
            var rejected = new Table().Border(TableBorder.Rounded).AddColumn(new TableColumn("Line").RightAligned()).AddColumn("Input").AddColumn("Rejected because");
            foreach (var item in response.Rejected)
            {
                rejected.AddRow(item.Line?.ToString() ?? "", Display.InputMarkup(item.Input), Display.Markup(item.Reason));
            }
            console.Write(rejected);
        }
        if (response.Duplicates.Count > 0)
        {
            var duplicates = new Table().Border(TableBorder.Rounded).AddColumn(new TableColumn("Line").RightAligned()).AddColumn("Input").AddColumn("Same domain as before");
            foreach (var item in response.Duplicates)
            {
                duplicates.AddRow(item.Line?.ToString(CultureInfo.InvariantCulture) ?? "", Display.InputMarkup(item.Input), Display.Markup(item.Domain));
            }
            console.Write(duplicates);
        }
        if (response.NotEnqueued.Count > 0)
        {
            console.MarkupLine($"[red]{Display.Markup(response.Message!)}[/]");
            foreach (var item in response.NotEnqueued)
            {
                console.MarkupLine($"  not queued: {Display.Markup(item.Domain)}");
            }
        }
        if (response.Accepted.Count is > 0 and <= 20)
        {
            var jobs = new Table().Border(TableBorder.Rounded).AddColumn("Domain").AddColumn("Job");
            foreach (var item in response.Accepted)
            {
                jobs.AddRow(Display.Markup(item.Domain), item.JobId);
            }
            console.Write(jobs);
        }
        if (response.Accepted.Count > 0)
        {
            cli.Error.MarkupLine("Queued. Run [bold]backlinks work --until-idle[/] (or the Functions app) to process them; [bold]backlinks status JOBID[/] shows a job.");
        }
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and lag behind).</summary>
    private sealed class Reporter(Action<SubmissionProgress> report) : IProgress<SubmissionProgress>
    {
        public void Report(SubmissionProgress value) => report(value);
    }
}
