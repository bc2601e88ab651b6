using System.Text.Json;
using Backlinks.Cli.Hosting;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Cli;

public sealed class SubmitCommandTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;
    private readonly string _folder = Directory.CreateTempSubdirectory("backlinks-cli-").FullName;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite);

    public async Task DisposeAsync()
    {
        await _pipeline.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private string File(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    private async Task<int> QueuedAsync() => (await _pipeline.Storage.JobsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    [Fact]
    public async Task Good_bad_and_duplicate_lines_queue_the_good_ones_and_exit_2()
    {
        var run = await CliRunner.RunAsync(_pipeline, "submit", File("list.txt", "example.com\nhttps://www.Example.com/\nexa_mple.com\nother.org\nlocalhost\n"));

        Assert.Equal(ExitCodes.SomeRejected, run.ExitCode);
        Assert.Contains("Accepted 2 · duplicates 1 · rejected 2", run.Output);
        Assert.Contains("character '_' is not allowed", run.Output);
        Assert.Contains("localhost is not a public domain", run.Output);
        Assert.Matches(@"│\s+3 │ exa_mple\.com", run.Output);
        Assert.Equal(2, await QueuedAsync());
    }

    [Fact]
    public async Task A_rejected_line_of_900_kb_is_shown_by_its_start_and_length_not_whole()
    {
        var run = await CliRunner.RunAsync(_pipeline, "submit", File("huge.txt", "example.com\n" + new string('x', 900_000) + "\n"));

        Assert.Equal(ExitCodes.SomeRejected, run.ExitCode);
        Assert.Contains(new string('x', 80) + "… (900,000 characters)", run.Output);
        Assert.True(run.Output.Length < 5_000, $"{run.Output.Length} characters printed");
    }

    [Fact]
    public async Task All_good_exits_0_and_csv_uses_the_domain_column()
    {
        var run = await CliRunner.RunAsync(_pipeline, "submit", File("clients.csv", "client,domain\nAcme,acme.com\nGlobex,globex.net\n"), "--one-per-domain");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("acme.com", run.Output);
        Assert.Equal(2, await QueuedAsync());
    }

    [Fact]
    public async Task Nothing_valid_exits_3_and_queues_nothing()
    {
        var run = await CliRunner.RunAsync(_pipeline, "submit", File("bad.txt", "localhost\n10.0.0.1\n"));

        Assert.Equal(ExitCodes.NothingSubmitted, run.ExitCode);
        Assert.Contains("rejected 2", run.Output);
        Assert.Equal(0, await QueuedAsync());
    }

    [Theory]
    [InlineData("broken.csv", "domain\n\"unterminated.com\n", "cannot be parsed")]
    [InlineData("empty.txt", "\n# nothing\n", "no domain")]
    public async Task Unreadable_input_is_one_line_and_exit_3(string name, string content, string message)
    {
        var run = await CliRunner.RunAsync(_pipeline, "submit", File(name, content));

        Assert.Equal(ExitCodes.NothingSubmitted, run.ExitCode);
        Assert.StartsWith("error:", run.Output.Trim());
        Assert.Contains(message, run.Output);
        Assert.DoesNotContain("   at ", run.Output);
    }

    [Fact]
    public async Task A_missing_file_is_one_line_and_exit_3()
    {
        var run = await CliRunner.RunAsync(_pipeline, "submit", Path.Combine(_folder, "nope.txt"));

        Assert.Equal(ExitCodes.NothingSubmitted, run.ExitCode);
        Assert.Contains("no such file", run.Output);
    }

    [Fact]
    public async Task Stdin_and_json_output_work_for_scripts()
    {
        var run = await CliRunner.RunAsync(_pipeline, new Dictionary<string, string?>(), "a.com\nb.com\na.com\n", CancellationToken.None, "submit", "-", "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Output);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal(2, json.RootElement.GetProperty("accepted").GetArrayLength());
        Assert.Equal(1, json.RootElement.GetProperty("duplicates").GetArrayLength());
        Assert.Equal(2, await QueuedAsync());
    }

    [Fact]
    public async Task A_long_list_is_submitted_with_a_progress_bar()
    {
        var run = await CliRunner.RunAsync(_pipeline, "submit", File("long.txt", string.Join('\n', Enumerable.Range(0, 300).Select(i => $"site{i}.com"))));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Accepted 300", run.Output);
        Assert.Equal(300, await QueuedAsync());
    }

    [Fact]
    public async Task Unreachable_storage_is_one_line_and_exit_1()
    {
        var run = await CliRunner.RunAsync(_pipeline,
            new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;" },
            "", CancellationToken.None, "metrics");

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Contains("error: cannot reach the storage account", run.Output);
        Assert.DoesNotContain("   at ", run.Output);
    }
}
