using System.Net.Sockets;
using Azure;
using Backlinks.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace Backlinks.Cli.Hosting;

/// <summary>Turns expected failures into one line and an exit code; anything else is a bug and shows in full.</summary>
internal static class ErrorReporter
{
    public static int Report(Exception exception, IAnsiConsole console, IConfiguration configuration)
    {
        var (message, code) = Describe(exception, configuration);
        if (message is null)
        {
            console.WriteException(exception);
            return ExitCodes.Error;
        }
        console.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        return code;
    }

    private static (string? Message, int Code) Describe(Exception exception, IConfiguration configuration) => exception switch
    {
        CliException cli => (cli.Message, cli.ExitCode),
        OptionsValidationException options => (string.Join(" ", options.Failures), ExitCodes.Error),
        _ when IsUnreachable(exception) => (Unreachable(configuration), ExitCodes.Error),
        RequestFailedException storage => ($"storage refused the request ({storage.Status} {storage.ErrorCode}).", ExitCodes.Error),
        InvalidOperationException invalid when invalid.Message.Contains("AzureWebJobsStorage", StringComparison.Ordinal) => (invalid.Message, ExitCodes.Error),
        _ => (null, ExitCodes.Error),
    };

    private static bool IsUnreachable(Exception exception) => exception switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsUnreachable),
        RequestFailedException { Status: 0 } => true,
        HttpRequestException or SocketException => true,
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
