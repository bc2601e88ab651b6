using System.Diagnostics;
using System.Text;

namespace Backlinks.Testing;

/// <summary>What one worker process printed and returned.</summary>
public sealed record WorkerRun(int ExitCode, string Output);

/// <summary>
/// A built .NET program running as its own OS process, with settings in its environment as the Functions app and
/// the CLI read them. It can say it is ready (a line on its output) and be told to go (a line on its input), so
/// that several processes, however slowly each one starts, begin together.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    public const string ReadyLine = "ready";
    public const string GoLine = "go";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reading;

    private WorkerProcess(Process process)
    {
        _process = process;
        _reading = Task.WhenAll(ReadAsync(process.StandardOutput), ReadAsync(process.StandardError));
    }

    /// <param name="settings">Configuration keys (<c>DomDetailer:ApiKey</c>); passed as <c>DomDetailer__ApiKey</c>.</param>
    public static WorkerProcess Start(string dll, IEnumerable<string> args, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        return new WorkerProcess(Process.Start(start)!);
    }

    /// <summary>Completes when the process printed <see cref="ReadyLine"/>, or fails when it exited first.</summary>
    public Task Ready => _ready.Task;

    public async Task GoAsync()
    {
        await _process.StandardInput.WriteLineAsync(GoLine);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits for the process to end; kills it after <paramref name="timeout"/>.</summary>
    public async Task<WorkerRun> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
            await _reading;
            return new WorkerRun(-1, $"did not finish in {timeout}: {Output}");
        }
        await _reading;
        return new WorkerRun(_process.ExitCode, Output);
    }

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private async Task ReadAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line == ReadyLine)
            {
                _ready.TrySetResult();
                continue;
            }
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
        _ready.TrySetException(new InvalidOperationException("The worker ended before it was ready: " + Output));
    }

    public void Dispose() => _process.Dispose();
}
