using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Backlinks.Testing;

/// <summary>
/// Azurite (blob, queue, table) from the repository's pinned npm package, in memory, on free loopback
/// ports; for the tests and the benchmark. Stopped on dispose.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    // Azurite's well-known development account; it is public and only works against the emulator.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly int[] _ports;

    private AzuriteProcess(Process process, int[] ports, string connectionString)
    {
        _process = process;
        _ports = ports;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    /// <param name="repositoryRoot">The folder holding node_modules (after <c>npm ci</c>).</param>
    public static Task<AzuriteProcess> StartAsync(string repositoryRoot) => StartAsync(repositoryRoot, FreePort);

    /// <param name="repositoryRoot">The folder holding node_modules (after <c>npm ci</c>).</param>
    /// <param name="pickPort">Picks each port to try (a free one, but see below); its test hands out a taken one first.</param>
    public static async Task<AzuriteProcess> StartAsync(string repositoryRoot, Func<int> pickPort)
    {
        var script = Path.Combine(repositoryRoot, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed ({script} is missing): run 'npm ci' at the repository root.");
        }

        // A port found free can be taken before Azurite listens on it (by another listener, or as the source port of
        // a connection: a test run makes hundreds a second). Azurite then exits at once; it starts again on others.
        const int Starts = 5;
        for (var attempt = 1; ; attempt++)
        {
            var (azurite, errors) = Start(repositoryRoot, script, [pickPort(), pickPort(), pickPort()]);
            if (await azurite.WaitForPortsAsync())
            {
                return azurite;
            }
            await azurite.DisposeAsync();
            if (attempt == Starts)
            {
                throw new InvalidOperationException($"Azurite exited while starting, {Starts} times; the last said: {errors.ToString().Trim()}");
            }
        }
    }

    private static (AzuriteProcess Azurite, StringBuilder Errors) Start(string repositoryRoot, string script, int[] ports)
    {
        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                // Stopped on dispose, and at exit by the tests; this ends it too when the parent dies without either
                // (the test host killed at the end of a run, half of them on the build machine).
                "--require", ExitWithParentScript(repositoryRoot),
                "--require", Preload(repositoryRoot, "no-queue-sweep.cjs"),
                script, "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry",
                "--blobHost", "127.0.0.1", "--blobPort", ports[0].ToString(),
                "--queueHost", "127.0.0.1", "--queuePort", ports[1].ToString(),
                "--tableHost", "127.0.0.1", "--tablePort", ports[2].ToString(),
            },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started");
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, line) =>
        {
            lock (errors)
            {
                if (errors.Length < 4096)
                {
                    errors.AppendLine(line.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var azurite = new AzuriteProcess(process, ports, ConnectionStringFor(ports[0], ports[1], ports[2]));
        return (azurite, errors);
    }

    /// <summary>The development account's connection string for these loopback ports (whatever listens there).</summary>
    public static string ConnectionStringFor(int blobPort, int queuePort, int tablePort) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";

    /// <summary>The node preload that ends a process when the one that started it (and holds its stdin) is gone.</summary>
    public static string ExitWithParentScript(string repositoryRoot) => Preload(repositoryRoot, "exit-with-parent.cjs");

    // The node preloads live beside this class.
    private static string Preload(string repositoryRoot, string file) => Path.Combine(repositoryRoot, "tests", "Backlinks.Testing", file);

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>True once every port answers; false when Azurite exited first.</summary>
    private async Task<bool> WaitForPortsAsync()
    {
        var deadline = Stopwatch.StartNew();
        foreach (var port in _ports)
        {
            while (true)
            {
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
                {
                    if (_process.HasExited)
                    {
                        return false;
                    }
                    await Task.Delay(100);
                }
            }
        }
        return true;
    }

    /// <summary>A loopback port free now (nothing keeps it free: see <see cref="StartAsync(string, Func{int})"/>).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
