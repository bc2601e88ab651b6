using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Backlinks.Tests.Infrastructure;

/// <summary>
/// The built <c>backlinks</c> tool run as a separate process, as a shell or a script runs it: real
/// stdin, stdout and stderr pipes, exit codes and signals.
/// </summary>
public sealed class CliProcess : IAsyncDisposable
{
    /// <summary>
    /// The tool as test.sh publishes it after the build (scripts/build-if-stale.sh): ReadyToRun, so that each of the
    /// processes the tests start does not compile it again.
    /// </summary>
    public static string ToolPath { get; } = RepoPaths.Combine("artifacts", "cli", "Backlinks.Cli.dll");

    /// <summary>What the tool carries of this repository: the CLI and the assemblies it loads.</summary>
    public static readonly Assembly[] RepositoryAssemblies =
        [typeof(Backlinks.Cli.BacklinksApp).Assembly, typeof(Backlinks.Sandbox.SandboxApi).Assembly, typeof(Backlinks.Domains.DomainName).Assembly];

    // A tool older than the build would test yesterday's code: say so rather than fail on what it lacks.
    private static readonly Lazy<string?> ToolProblem = new(() =>
    {
        const string Fix = "run ./test.sh, which publishes it (or see scripts/build-if-stale.sh for the dotnet publish command)";
        if (!File.Exists(ToolPath))
        {
            return $"The backlinks tool is not published at {ToolPath}: {Fix}.";
        }
        // Each of the repository's assemblies is compiled again only when it changed: compare them one by one.
        var stale = RepositoryAssemblies.Select(a => a.Location)
            .FirstOrDefault(built => File.GetLastWriteTimeUtc(Path.Combine(Path.GetDirectoryName(ToolPath)!, Path.GetFileName(built))) < File.GetLastWriteTimeUtc(built));
        return stale is null ? null : $"The published backlinks tool ({ToolPath}) holds a {Path.GetFileName(stale)} older than the build: {Fix}.";
    });

    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly StringBuilder _stderrSoFar = new();

    private CliProcess(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = ReadStderrAsync();
    }

    /// <summary>Starts the tool with <paramref name="environment"/> as its only settings (no inherited DomDetailer or storage variables).</summary>
    public static CliProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args) => Start(environment, [], args);

    /// <summary>Runs the tool under coreutils' <c>timeout</c>, which signals it after <paramref name="after"/> (and its process group too).</summary>
    public static CliProcess StartUnderTimeout(IReadOnlyDictionary<string, string?> environment, TimeSpan after, params string[] args) =>
        Start(environment, ["timeout", "-s", "TERM", after.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)], args);

    private static CliProcess Start(IReadOnlyDictionary<string, string?> environment, string[] wrapper, string[] args)
    {
        if (ToolProblem.Value is { } problem)
        {
            throw new InvalidOperationException(problem);
        }
        var start = new ProcessStartInfo(wrapper.Length > 0 ? wrapper[0] : "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in wrapper.Skip(1).Append(wrapper.Length > 0 ? "dotnet" : null).OfType<string>())
        {
            start.ArgumentList.Add(arg);
        }
        start.ArgumentList.Add(ToolPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("DomDetailer", StringComparison.OrdinalIgnoreCase) || k.StartsWith("AzureWebJobs", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        return new CliProcess(Process.Start(start)!);
    }

    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> environment, byte[] stdin, params string[] args)
    {
        await using var process = Start(environment, args);
        await process.WriteStdinAsync(stdin);
        return await process.WaitAsync(TimeSpan.FromMinutes(2));
    }

    public int Id => _process.Id;

    public async Task WriteStdinAsync(byte[] bytes)
    {
        await _process.StandardInput.BaseStream.WriteAsync(bytes);
        _process.StandardInput.Close();
    }

    /// <summary>What it wrote to stderr so far.</summary>
    public string StderrSoFar
    {
        get
        {
            lock (_stderrSoFar)
            {
                return _stderrSoFar.ToString();
            }
        }
    }

    public async Task WaitForStderrAsync(string text, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        while (!StderrSoFar.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the tool exited before printing '{text}': {StderrSoFar}");
            }
            await Task.Delay(50, limit.Token);
        }
    }

    /// <summary>Sends a POSIX signal, as docker stop, systemd or timeout would.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-s", name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<CliRun> WaitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return new CliRun(_process.ExitCode, await _stdout, await _stderr);
    }

    private async Task<string> ReadStderrAsync()
    {
        var buffer = new char[4096];
        int read;
        while ((read = await _process.StandardError.ReadAsync(buffer)) > 0)
        {
            lock (_stderrSoFar)
            {
                _stderrSoFar.Append(buffer, 0, read);
            }
        }
        return StderrSoFar;
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
