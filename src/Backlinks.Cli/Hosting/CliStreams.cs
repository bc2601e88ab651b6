using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Backlinks.Cli.Hosting;

/// <summary>
/// Where a run reads and writes: results go to <see cref="Out"/>; errors, progress, banners and logs go
/// to <see cref="Error"/>, so that a script can pipe the results and still see what went wrong.
/// </summary>
/// <param name="Logging">Adds the log provider (the process: the console logger on stderr); null logs nothing.</param>
public sealed record CliStreams(IAnsiConsole Out, IAnsiConsole Error, Stream Input, Action<ILoggingBuilder>? Logging = null);
