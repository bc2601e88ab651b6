using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Backlinks.Cli.Hosting;
using Backlinks.Functions;
using Backlinks.Submissions;
using Backlinks.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Spectre.Console.Testing;

namespace Backlinks.Tests.Telemetry;

/// <summary>The hosts' exporters: the CLI over OTLP by the standard OTEL_* settings, the function app by its settings.</summary>
[Collection(RunAloneCollection.Name)]
public sealed class HostTelemetryTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task The_cli_exports_spans_metrics_and_logs_over_otlp_when_the_endpoint_is_set_and_flushes_on_exit()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite);
        using var collector = new OtlpReceiver();
        var settings = new Dictionary<string, string?>(pipeline.Settings)
        {
            [CliTelemetry.OtlpEndpointSetting] = collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment=test",
        };
        var context = new CliContext(new CliStreams(new TestConsole(), new TestConsole(), Stream.Null), new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

        await using (var services = await context.CreatePipelineAsync(CancellationToken.None))
        {
            Assert.NotNull(services.GetService<TracerProvider>());
            await services.GetRequiredService<SubmissionService>().SubmitAsync(
                new SubmissionInput("example.com"u8.ToArray(), SubmissionFormat.Lines, false, false), CancellationToken.None);
        }

        // Disposing the container (the command's end) exported what was left.
        Assert.Contains("/v1/traces", collector.Paths);
        Assert.Contains("/v1/metrics", collector.Paths);
        Assert.Contains("/v1/logs", collector.Paths);
        Assert.Contains(collector.Bodies, b => b.Contains("backlinks.submit", StringComparison.Ordinal) && b.Contains("backlinks-cli", StringComparison.Ordinal)
            && b.Contains("deployment.environment", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_an_endpoint_the_cli_records_nothing()
    {
        await using var pipeline = await TestPipeline.StartAsync(azurite);
        var context = new CliContext(new CliStreams(new TestConsole(), new TestConsole(), Stream.Null), new ConfigurationBuilder().AddInMemoryCollection(pipeline.Settings).Build());

        await using var services = await context.CreatePipelineAsync(CancellationToken.None);

        Assert.Null(services.GetService<TracerProvider>());
        Assert.Null(services.GetService<MeterProvider>());
    }

    [Fact]
    public void The_function_app_builds_its_providers_with_azure_monitor_and_otlp_from_its_settings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["DomDetailer:ApiKey"] = TestPipeline.ApiKey,
            [FunctionsTelemetry.ConnectionStringSetting] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/",
            [FunctionsTelemetry.AuthenticationSetting] = "ClientId=11111111-1111-1111-1111-111111111111;Authorization=AAD",
            [FunctionsTelemetry.OtlpEndpointSetting] = "http://127.0.0.1:9",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddBacklinksPipeline(configuration);
        services.AddFunctionsTelemetry(configuration);

        using var provider = services.BuildServiceProvider();
        Assert.NotNull(provider.GetService<TracerProvider>());
        Assert.NotNull(provider.GetService<MeterProvider>());
    }

    [Theory]
    [InlineData("ClientId=abc;Authorization=AAD", true)]
    [InlineData("Authorization=AAD", true)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("ClientId=abc", false)]
    public void The_azure_monitor_credential_follows_the_authentication_string(string? authentication, bool managedIdentity) =>
        Assert.Equal(managedIdentity, FunctionsTelemetry.Credential(authentication) is Azure.Identity.ManagedIdentityCredential);

    /// <summary>A loopback OTLP/HTTP endpoint that records the paths and (protobuf, read as text) bodies it receives.</summary>
    private sealed class OtlpReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentBag<string> _paths = [];
        private readonly ConcurrentBag<string> _bodies = [];

        public OtlpReceiver()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Endpoint = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Endpoint + "/");
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Endpoint { get; }
        public IReadOnlyCollection<string> Paths => [.. _paths];
        public IReadOnlyCollection<string> Bodies => [.. _bodies];

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                _bodies.Add(System.Text.Encoding.UTF8.GetString(body.ToArray()));
                _paths.Add(context.Request.Url!.AbsolutePath);
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
