using Spectre.Console;

namespace Backlinks.Cli.Hosting;

/// <summary>A Spectre console over one of the process's streams.</summary>
internal static class Terminal
{
    /// <summary>Wide enough that nothing is wrapped: piped output is read by programs, and an id or a path cut in two breaks them.</summary>
    private const int PipedWidth = 4096;

    public static IAnsiConsole For(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (redirected)
        {
            console.Profile.Width = PipedWidth;
        }
        return console;
    }
}
