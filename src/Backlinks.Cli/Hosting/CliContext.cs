using Backlinks.Sandbox;
using Backlinks.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Spectre.Console;

namespace Backlinks.Cli.Hosting;

/// <summary>
/// What every command shares: the streams, the settings (the environment, like the Functions app's
/// app settings), and the one way to build the pipeline from them.
/// </summary>
public sealed class CliContext(CliStreams streams, IConfiguration configuration)
{
    /// <summary>Results: the one thing a script reads.</summary>
    public IAnsiConsole Out { get; } = streams.Out;

    /// <summary>Errors, progress, banners and logs.</summary>
    public IAnsiConsole Error { get; } = streams.Error;

    public IConfiguration Configuration { get; } = configuration;

    public Stream Input { get; } = streams.Input;

    /// <summary>Logs from Information up (-v) instead of Warning up.</summary>
    public bool Verbose { get; set; }

    /// <summary>
    /// A second Ctrl-C or SIGTERM: quit now. The jobs in hand are dropped and their messages given back at once,
    /// so that none waits out its lease; the first signal (the command's own token) finishes them instead.
    /// </summary>
    public CancellationToken Quitting { get; init; }

    /// <summary>
    /// The command prints the outcome of its one job itself (lookup): the job's own warnings (failed, retried)
    /// would say it a second time, so on the console they are for -v only.
    /// </summary>
    public bool ReportsItsJob { get; set; }

    /// <summary>True once a result was written, so that a later error does not add a second JSON document.</summary>
    public bool WroteResult { get; set; }

    /// <summary>
    /// The pipeline as the Functions app wires it, with its storage resources created if missing (the
    /// one place the CLI creates them); with a sandbox, pointed at the simulated API.
    /// </summary>
    public async Task<ServiceProvider> CreatePipelineAsync(CancellationToken cancellationToken, SandboxApi? sandbox = null)
    {
        var configuration = Configuration;
        if (sandbox is not null)
        {
            configuration = new ConfigurationBuilder()
                .AddConfiguration(Configuration)
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["DomDetailer:BaseUrl"] = sandbox.BaseUrl.ToString(),
                    ["DomDetailer:ApiKey"] = sandbox.ApiKey,
                    // The sandbox answers at once; short retries keep trying it by hand snappy.
                    ["DomDetailer:TransientRetryDelay"] = "00:00:00.200",
                })
                .Build();
        }

        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            // Telemetry (OTLP, when set) gets Information; the console on stderr only warnings and errors, unless -v.
            logging.SetMinimumLevel(LogLevel.Information);
            streams.Logging?.Invoke(logging);
            logging.AddFilter<ConsoleLoggerProvider>(null, Verbose ? LogLevel.Information : LogLevel.Warning);
            // The HTTP resilience pipeline logs each retried attempt with its exception (a stack trace); the job's
            // status already says what happened, so on the console those are for -v only.
            logging.AddFilter<ConsoleLoggerProvider>("Polly", Verbose ? LogLevel.Information : LogLevel.Critical);
            if (ReportsItsJob && !Verbose)
            {
                logging.AddFilter<ConsoleLoggerProvider>(typeof(Jobs.JobProcessor).FullName, LogLevel.Error);
            }
        });
        services.AddSingleton<Azure.Core.Pipeline.HttpPipelinePolicy>(new StorageWaitNotice(line => Error.WriteLine(line)));
        services.AddBacklinksPipeline(configuration);
        var provider = CliTelemetry.BuildWithTelemetry(services, configuration);
        try
        {
            await provider.GetRequiredService<StorageProvisioner>().CreateMissingAsync(cancellationToken);
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
        if (sandbox is not null)
        {
            // Said once the pipeline stands: a storage error comes alone, not after a banner.
            Error.MarkupLine($"[yellow]Sandbox:[/] simulated DomDetailer API at {Markup.Escape(sandbox.BaseUrl.ToString())}. Its data is synthetic; no credits are spent.");
        }
        return provider;
    }

    /// <summary>Starts the simulated API when asked for; the pipeline built with it says plainly (on stderr) that its data is not real.</summary>
    public async Task<SandboxApi?> StartSandboxIfAsync(bool wanted)
    {
        if (!wanted)
        {
            return null;
        }
        // A key of its own: the simulated data says "sandbox" everywhere (sandbox.invalid URLs), and the pipeline
        // masks every run of the key's characters in what it stores, so the default key would blot out the data.
        return await SandboxApi.StartAsync(apiKey: System.Security.Cryptography.RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 24));
    }
}
