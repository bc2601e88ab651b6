namespace Backlinks.Cli.Hosting;

/// <summary>An expected failure: printed as one line, no stack trace, with its exit code.</summary>
/// <param name="code">The machine-readable <c>error</c> of the --json error document: the HTTP API's code where it has one for the same condition.</param>
internal sealed class CliException(string message, string code, int exitCode = ExitCodes.Error) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public string Code { get; } = code;

    /// <summary>A bad option or argument value: reported like Spectre's own usage errors, with the command's --help hint.</summary>
    public static CliException Usage(string message) => new(message, UsageCode);

    public const string UsageCode = "usage";
}
