using System.Diagnostics;

namespace Backlinks.Tests.Infrastructure;

/// <summary>The preload that ends the tests' Azurite when the process that started it is gone (see <see cref="AzuriteProcess"/>).</summary>
public sealed class ExitWithParentTests
{
    [Fact]
    public async Task A_node_process_with_it_runs_while_its_stdin_is_open_and_exits_when_it_closes()
    {
        var start = new ProcessStartInfo("node")
        {
            // A process that would otherwise run for ever, as Azurite does.
            ArgumentList = { "--require", AzuriteProcess.ExitWithParentScript(RepoPaths.Root), "-e", "setInterval(() => {}, 1000); console.log('up')" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var node = Process.Start(start)!;
        try
        {
            Assert.Equal("up", await node.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.False(node.HasExited);

            // What the parent's exit does, killed or not: the other end of the pipe closes.
            node.StandardInput.Close();

            await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, node.ExitCode);
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill();
            }
        }
    }
}
