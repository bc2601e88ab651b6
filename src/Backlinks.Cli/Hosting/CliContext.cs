using Backlinks.Sandbox;
using Backlinks.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Backlinks.Cli.Hosting;

/// <summary>
/// What every command shares: the console, the settings (the environment, like the Functions app's
/// app settings), standard input, and the one way to build the pipeline from them.
/// </summary>
public sealed class CliContext(IAnsiConsole console, IConfiguration configuration, TextReader input)
{
    public IAnsiConsole Console { get; } = console;

    public IConfiguration Configuration { get; } = configuration;

    public TextReader Input { get; } = input;

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
        services.AddLogging();
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
        return provider;
    }

    /// <summary>Starts the simulated API when asked for, and says plainly that its data is not real.</summary>
    public async Task<SandboxApi?> StartSandboxIfAsync(bool wanted)
    {
        if (!wanted)
        {
            return null;
        }
        var sandbox = await SandboxApi.StartAsync();
        Console.MarkupLine($"[yellow]Sandbox:[/] simulated DomDetailer API at {Markup.Escape(sandbox.BaseUrl.ToString())}. Its data is synthetic; no credits are spent.");
        return sandbox;
    }
}
