using System.ComponentModel;
using Backlinks.Cli.Hosting;
using Backlinks.Cli.Output;
using Backlinks.Sandbox;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Commands;

/// <summary><c>backlinks sandbox</c>: the simulated DomDetailer API on loopback, until Ctrl-C.</summary>
internal sealed class SandboxCommand(CliContext cli) : AsyncCommand<SandboxCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("--port <PORT>")]
        [Description("Port on 127.0.0.1 (default 7199).")]
        public int Port { get; init; } = 7199;

        [CommandOption("--api-key <KEY>")]
        [Description("The key it accepts; others get 401 like the real API (default 'sandbox').")]
        public string ApiKey { get; init; } = SandboxApi.DefaultApiKey;

        public override ValidationResult Validate() =>
            Port is < 0 or > 65535 ? ValidationResult.Error("--port must be between 0 (any free port) and 65535")
            : string.IsNullOrWhiteSpace(ApiKey) ? ValidationResult.Error("--api-key must not be empty")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        SandboxApi sandbox;
        try
        {
            sandbox = await SandboxApi.StartAsync(settings.ApiKey, settings.Port);
        }
        catch (IOException bind)
        {
            throw new CliException($"cannot listen on 127.0.0.1:{settings.Port}: {bind.Message} Pick another --port, or 0 for any free one.", "port_unavailable");
        }
        await using var _ = sandbox;
        var console = cli.Error;
        console.MarkupLine($"[yellow]Simulated[/] DomDetailer API listening at [bold]{Display.Markup(sandbox.BaseUrl.ToString())}[/]. Its data is synthetic.");
        console.MarkupLine("Point the Functions app or the CLI at it:");
        console.MarkupLine($"  export DomDetailer__BaseUrl={Display.Markup(sandbox.BaseUrl.ToString().TrimEnd('/'))} DomDetailer__ApiKey={Display.Markup(settings.ApiKey)}");
        console.MarkupLine("Domains starting with ratelimited. / nocredits. / error. / malformed. / invalid. / slow. answer 429 / 402 / 503 / non-JSON / 400 / after 20 s.");
        console.MarkupLine("Ctrl-C stops it.");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: stop.
        }
        return ExitCodes.Ok;
    }
}
