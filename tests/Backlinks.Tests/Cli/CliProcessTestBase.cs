using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Cli;

/// <summary>
/// The built tool as a process, as scripts and service managers run it: exit codes, which stream gets
/// what, stdin against a file, --json parsed from the real stdout, unwrapped piped output, and signals.
/// Each test starts several processes, so they are spread over a few classes that run side by side.
/// </summary>
public abstract class CliProcessTestBase(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    protected TestPipeline Pipeline { get; private set; } = null!;

    protected string Folder { get; } = Directory.CreateTempSubdirectory("backlinks-cli-").FullName;

    public async Task InitializeAsync() => Pipeline = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["Queue:PollInterval"] = "00:00:00.100",
    });

    public async Task DisposeAsync()
    {
        await Pipeline.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }

    protected Task<CliRun> RunAsync(byte[] stdin, params string[] args) => CliProcess.RunAsync(Pipeline.Settings, stdin, args);

    /// <summary>The pipeline's settings with no API key, for the commands that must not need one.</summary>
    protected Dictionary<string, string?> SettingsWithoutKey()
    {
        var settings = new Dictionary<string, string?>(Pipeline.Settings);
        settings.Remove("DomDetailer:ApiKey");
        return settings;
    }

    protected async Task<int> QueuedAsync() => (await Pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
}
