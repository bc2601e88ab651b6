using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Cli.Help;
using Spectre.Console.Rendering;

namespace Backlinks.Cli.Hosting;

/// <summary>Spectre's help, with the exit codes at the end: scripts branch on them.</summary>
internal sealed class HelpWithExitCodes(ICommandAppSettings settings) : HelpProvider(settings)
{
    public override IEnumerable<IRenderable> GetFooter(ICommandModel model, ICommandInfo? command)
    {
        var lines = new List<IRenderable>(base.GetFooter(model, command)) { new Text(Environment.NewLine), new Markup("[yellow]EXIT CODES:[/]" + Environment.NewLine) };
        foreach (var (code, meaning) in ExitCodes.Documented)
        {
            lines.Add(new Markup($"    {code}   {Markup.Escape(meaning)}{Environment.NewLine}"));
        }
        return lines;
    }
}
