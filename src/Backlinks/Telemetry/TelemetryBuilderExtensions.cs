using Backlinks.DomDetailer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Backlinks.Telemetry;

/// <summary>
/// What every host records (the exporters are the hosts' own): the pipeline's spans and meter, outgoing
/// HTTP calls without their query, and logs, all passed through the secret scrubbers.
/// </summary>
public static class TelemetryBuilderExtensions
{
    /// <summary>Call before adding exporters: processors run in the order they were added, and the scrubbers must run first.</summary>
    public static IOpenTelemetryBuilder AddBacklinksTelemetry(this IOpenTelemetryBuilder builder)
    {
        builder.WithTracing(tracing => tracing
            .AddSource(BacklinksTelemetry.Name)
            .AddHttpClientInstrumentation(options =>
            {
                // The request URL carries the key in its query: record the URL without it, and no exception text.
                options.RecordException = false;
                options.EnrichWithHttpRequestMessage = static (activity, request) =>
                {
                    if (request.RequestUri is { } uri)
                    {
                        activity.SetTag("url.full", SecretScrubbingSpanProcessor.WithoutQuery(uri.ToString()));
                        activity.SetTag("url.query", null);
                    }
                };
            })
            .AddProcessor(static services => new SecretScrubbingSpanProcessor(ApiKey(services))));
        builder.WithMetrics(metrics => metrics.AddMeter(BacklinksTelemetry.Name));
        builder.WithLogging(
            logging => logging.AddProcessor(static services => new SecretScrubbingLogProcessor(ApiKey(services))),
            options =>
            {
                options.IncludeFormattedMessage = true;
                // A scope cannot be scrubbed before export: none is exported.
                options.IncludeScopes = false;
            });
        return builder;
    }

    /// <summary>
    /// Starts the tracer and meter providers of a container built without a host (the CLI, the tests): a host
    /// starts them itself. Disposing the container flushes and stops them.
    /// </summary>
    public static IServiceProvider StartTelemetry(this IServiceProvider services)
    {
        services.GetService<TracerProvider>();
        services.GetService<MeterProvider>();
        return services;
    }

    /// <summary>The configured key, bound without validation: telemetry must mask it even when other settings are wrong.</summary>
    private static string? ApiKey(IServiceProvider services)
    {
        var options = new DomDetailerOptions();
        foreach (var configure in services.GetServices<IConfigureOptions<DomDetailerOptions>>())
        {
            configure.Configure(options);
        }
        return options.ApiKey;
    }
}
