using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Backlinks.Telemetry;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;

namespace Backlinks.Functions;

/// <summary>
/// The function app's exporters: Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (with
/// the managed identity of <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>, as the template sets it: the
/// component accepts no instrumentation key), OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. With
/// host.json's <c>"telemetryMode": "OpenTelemetry"</c> the host's spans and the worker's share one trace.
/// </summary>
public static class FunctionsTelemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IServiceCollection AddFunctionsTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        // The scrubbers come first: the exporters added after them see masked spans and records.
        var telemetry = services.AddOpenTelemetry().UseFunctionsWorkerDefaults().AddBacklinksTelemetry();
        if (configuration[ConnectionStringSetting] is { Length: > 0 } connectionString)
        {
            var credential = Credential(configuration[AuthenticationSetting]);
            telemetry.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                if (credential is not null)
                {
                    options.Credential = credential;
                }
            });
        }
        if (configuration[OtlpEndpointSetting] is { Length: > 0 })
        {
            // Endpoint, protocol, headers, export interval and resource attributes: the standard OTEL_* settings.
            telemetry.UseOtlpExporter();
        }
        return services;
    }

    /// <summary>The credential <c>ClientId=…;Authorization=AAD</c> names (a user-assigned identity), or the app's own for <c>Authorization=AAD</c> alone; null otherwise.</summary>
    public static TokenCredential? Credential(string? authenticationString)
    {
        var parts = (authenticationString ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var authorization) || !authorization.Equals("AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        return parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
