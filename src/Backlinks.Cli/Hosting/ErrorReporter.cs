using System.Text.RegularExpressions;
using Azure;
using Backlinks.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Hosting;

/// <summary>
/// Turns a failure into one line on stderr and an exit code; with --json, also into the one JSON document
/// on stdout (<c>{"error", "message"}</c>) unless a result was written already. Anything unexpected is a
/// bug and shows in full, on stderr.
/// </summary>
internal static partial class ErrorReporter
{
    /// <param name="stopped">Ctrl-C or SIGTERM came first: whatever failed after it failed because of it.</param>
    public static int Report(Exception exception, CliContext cli, string[] args, bool json, bool stopped = false)
    {
        var (code, message, exitCode) = stopped
            ? ("stopped", "stopped before it finished.", ExitCodes.Error)
            : Describe(exception, cli.Configuration, CommandOf(args, exception));
        if (code is null)
        {
            cli.Error.WriteException(exception);
            code = "unexpected";
            message = $"unexpected failure: {exception.GetType().Name}; the details are on stderr.";
        }
        else
        {
            cli.Error.MarkupLine($"[red]error:[/] {Output.Display.Markup(message!)}");
        }

        if (json && !cli.WroteResult)
        {
            Output.Render.AsJson(cli, new ErrorDocument(code, message!));
        }
        return exitCode;
    }

    /// <summary>The JSON shape of an error, as the HTTP API answers one.</summary>
    public sealed record ErrorDocument(string Error, string Message);

    private static (string? Code, string? Message, int ExitCode) Describe(Exception exception, IConfiguration configuration, string? command) => exception switch
    {
        CliException { Code: CliException.UsageCode } usage => (usage.Code, Usage(usage.Message, command), usage.ExitCode),
        CliException cli => (cli.Code, cli.Message, cli.ExitCode),
        CommandParseException or CommandRuntimeException => ("usage", Usage(WithoutPlaceholder(exception.Message), command), ExitCodes.Error),
        OptionsValidationException options => ("configuration", string.Join(" ", options.Failures), ExitCodes.Error),
        _ when IsUnreachable(exception) => ("storage_unreachable", Unreachable(configuration), ExitCodes.Error),
        // Every try ran out of its network timeout (the command's own token was not cancelled: that is a stop).
        AggregateException aggregate when aggregate.InnerExceptions.All(e => e is OperationCanceledException) =>
            ("storage_unreachable", $"storage takes connections but did not answer: each of {StorageClients.Tries} tries timed out. Check AzureWebJobsStorage and the network (Storage__NetworkTimeout sets how long a try waits).", ExitCodes.Error),
        // A setting that cannot be parsed: a connection string not of the form name=value, a number that is not one.
        FormatException format => ("configuration", $"a setting could not be read: {format.Message} Check AzureWebJobsStorage.", ExitCodes.Error),
        InvalidOperationException invalid when invalid.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal)
            || invalid.Message.Contains("account information", StringComparison.Ordinal) => ("configuration", invalid.Message, ExitCodes.Error),
        HttpRequestException api => ("api_unreachable", $"cannot reach the DomDetailer API: {api.Message}", ExitCodes.Error),
        RequestFailedException storage => ("storage_error", $"storage refused the request ({storage.Status} {storage.ErrorCode}).", ExitCodes.Error),
        InvalidOperationException invalid when invalid.Message.Contains("AzureWebJobsStorage", StringComparison.Ordinal) => ("configuration", invalid.Message, ExitCodes.Error),
        OperationCanceledException => ("stopped", "stopped before it finished.", ExitCodes.Error),
        _ => (null, null, ExitCodes.Error),
    };

    /// <summary>The command the arguments name, for the help hint (<c>watch add</c> for a branch's command); none when it is the unknown part.</summary>
    private static string? CommandOf(string[] args, Exception exception)
    {
        var words = args.Where(a => !a.StartsWith('-')).Take(2).ToArray();
        if (exception.Message.StartsWith("Unknown command", StringComparison.Ordinal))
        {
            // backlinks watch frob: the branch's help lists its commands.
            return words is [var branch, _] && Branches.Contains(branch) ? branch : null;
        }
        return words switch
        {
            [] => null,
            [var branch, var command] when Branches.Contains(branch) => $"{branch} {command}",
            [var command, ..] => command,
        };
    }

    // The commands that hold commands of their own (backlinks watch add|list|remove|run).
    private static readonly string[] Branches = ["watch"];

    private static string Usage(string message, string? command)
    {
        var oneLine = string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        // Spectre names the .NET type it failed to convert to; the options that take numbers are whole numbers.
        oneLine = NotConverted().Replace(oneLine, "'$1' is not a whole number");
        return $"{Output.Display.Safe(oneLine).TrimEnd('.')}. See 'backlinks{(command is null ? "" : " " + command)} --help'.";
    }

    /// <summary>
    /// An option with no value before the end or a flag: Spectre tries to convert its internal placeholder and
    /// says so ("Failed to convert '__default_command'") without naming the option, so neither can we.
    /// </summary>
    private static string WithoutPlaceholder(string message) =>
        message.Contains("'__default_command'", StringComparison.Ordinal) ? "an option is missing its value." : message;

    [GeneratedRegex(@"Failed to convert '(.*)' to (?:Int32|Nullable`1)")]
    private static partial Regex NotConverted();

    /// <summary>Storage's own failure to connect: the SDK's status-0 answer (other connection failures are the API's or the sandbox's).</summary>
    private static bool IsUnreachable(Exception exception) => exception switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsUnreachable),
        RequestFailedException { Status: 0 } => true,
        _ => exception.InnerException is { } inner && IsUnreachable(inner),
    };

    public static string Unreachable(IConfiguration configuration)
    {
        var setting = configuration[StorageOptions.ConnectionSetting];
        return string.IsNullOrEmpty(setting) || setting == StorageOptions.DevelopmentConnection
            ? "cannot reach storage: AzureWebJobsStorage is Azurite (UseDevelopmentStorage=true) and it is not running. Start it with 'npm run azurite' in the repository, or set AzureWebJobsStorage."
            : "cannot reach the storage account in AzureWebJobsStorage: check the setting and the network.";
    }
}
