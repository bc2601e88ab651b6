using System.ComponentModel;
using Spectre.Console.Cli;

namespace Backlinks.Cli.Hosting;

/// <summary>The options every command takes.</summary>
public class CliSettings : CommandSettings
{
    [CommandOption("-v|--verbose")]
    [Description("Also log at Information level (to stderr); by default only warnings and errors are logged.")]
    public bool Verbose { get; init; }
}

/// <summary>Applies the common options before a command runs.</summary>
internal sealed class CommonOptionsInterceptor(CliContext cli) : ICommandInterceptor
{
    public void Intercept(CommandContext context, CommandSettings settings) => cli.Verbose = settings is CliSettings { Verbose: true };
}
