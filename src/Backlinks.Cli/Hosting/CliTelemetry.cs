using Backlinks.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Resources;

namespace Backlinks.Cli.Hosting;

/// <summary>
/// The CLI's telemetry: the pipeline's spans, metrics and logs over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>
/// is set, configured by the standard <c>OTEL_*</c> variables (protocol, headers, export interval, service name,
/// resource attributes), read from the CLI's configuration. Without the endpoint nothing is recorded.
/// </summary>
public static class CliTelemetry
{
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceName = "backlinks-cli";

    /// <summary>
    /// Builds the container with telemetry added and started (no host starts it here). Disposing the
    /// container flushes what is left, so a short command still exports its spans.
    /// </summary>
    public static ServiceProvider BuildWithTelemetry(IServiceCollection services, IConfiguration configuration)
    {
        if (configuration[OtlpEndpointSetting] is not { Length: > 0 })
        {
            return services.BuildServiceProvider();
        }
        // The OpenTelemetry SDK reads its OTEL_* settings from the container's configuration.
        services.AddSingleton(configuration);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : ServiceName))
            .AddBacklinksTelemetry()
            .UseOtlpExporter();
        var provider = services.BuildServiceProvider();
        provider.StartTelemetry();
        return provider;
    }
}
