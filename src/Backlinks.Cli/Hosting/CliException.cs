namespace Backlinks.Cli.Hosting;

/// <summary>An expected failure: printed as one line, no stack trace, with its exit code.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Error) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
