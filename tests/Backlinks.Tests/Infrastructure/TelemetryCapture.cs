using System.Diagnostics;
using System.Text;
using Backlinks.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Backlinks.Tests.Infrastructure;

/// <summary>
/// The pipeline's telemetry as the hosts record it (<see cref="TelemetryBuilderExtensions.AddBacklinksTelemetry"/>,
/// scrubbers included), exported to the OpenTelemetry in-memory exporter instead of Azure Monitor or OTLP.
/// </summary>
public sealed class TelemetryCapture
{
    private IServiceProvider? _services;

    public List<Activity> Spans { get; } = [];
    public List<MetricSnapshot> Metrics { get; } = [];
    public List<LogRecord> Logs { get; } = [];

    /// <param name="flow">
    /// The test's flow (<see cref="TestFlow"/>): only its spans are kept, not those of the tests running beside it. Null
    /// keeps every span of the process.
    /// </param>
    public void AddTo(IServiceCollection services, object? flow = null) =>
        services.AddOpenTelemetry()
            .AddBacklinksTelemetry()
            .WithTracing(tracing => tracing.AddProcessor(new FlowSpanExporter(flow, new InMemoryExporter<Activity>(Spans))))
            .WithMetrics(metrics => metrics.AddInMemoryExporter(Metrics))
            .WithLogging(logging => logging.AddInMemoryExporter(Logs))
            .Services.AddSingleton(this);

    /// <summary>Exports what the providers hold (metrics are collected now).</summary>
    public void Flush(IServiceProvider services)
    {
        _services = services;
        services.GetRequiredService<TracerProvider>().ForceFlush();
        services.GetRequiredService<MeterProvider>().ForceFlush();
        services.GetRequiredService<LoggerProvider>().ForceFlush();
    }

    public void Flush() => Flush(_services ?? throw new InvalidOperationException("Flush(services) first."));

    public IEnumerable<Activity> Named(string name) => Spans.Where(s => s.OperationName == name);

    /// <summary>The sum of a counter's points (the last collection: counters are cumulative) whose tags include <paramref name="tags"/>.</summary>
    public long Sum(string metric, params (string Key, string Value)[] tags) =>
        LastPoints(metric).Where(p => Matches(p, tags)).Sum(p => p.GetSumLong());

    /// <summary>How many values a histogram recorded, in the last collection.</summary>
    public long Count(string metric, params (string Key, string Value)[] tags) =>
        LastPoints(metric).Where(p => Matches(p, tags)).Sum(p => p.GetHistogramCount());

    /// <summary>A gauge's last value; null when it reported none.</summary>
    public long? Gauge(string metric) => LastPoints(metric).Select(p => (long?)p.GetGaugeLastValueLong()).LastOrDefault();

    private IEnumerable<MetricPoint> LastPoints(string metric)
    {
        var snapshot = Metrics.LastOrDefault(m => m.Name == metric);
        return snapshot is null ? [] : snapshot.MetricPoints;
    }

    /// <summary>Exports each span as it ends, as the in-memory exporter's own processor does, if it belongs to the flow.</summary>
    private sealed class FlowSpanExporter(object? flow, BaseExporter<Activity> exporter) : BaseProcessor<Activity>
    {
        private readonly SimpleActivityExportProcessor _export = new(exporter);

        public override void OnStart(Activity data) => TestFlow.Stamp(data);

        public override void OnEnd(Activity data)
        {
            if (flow is null || TestFlow.Holds(flow, data))
            {
                _export.OnEnd(data);
            }
        }

        protected override bool OnForceFlush(int timeoutMilliseconds) => _export.ForceFlush(timeoutMilliseconds);

        protected override bool OnShutdown(int timeoutMilliseconds) => _export.Shutdown(timeoutMilliseconds);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _export.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    private static bool Matches(MetricPoint point, (string Key, string Value)[] tags)
    {
        var pointTags = new Dictionary<string, string?>();
        foreach (var tag in point.Tags)
        {
            pointTags[tag.Key] = tag.Value?.ToString();
        }
        return tags.All(t => pointTags.TryGetValue(t.Key, out var value) && value == t.Value);
    }

    /// <summary>Every string the exporters were handed: span names, attributes, events, links, status; log records; metric names and tags.</summary>
    public string AllText()
    {
        var text = new StringBuilder();
        foreach (var span in Spans.ToList())
        {
            text.AppendLine($"span {span.DisplayName} {span.OperationName} {span.Status} {span.StatusDescription}");
            text.AppendJoin(' ', span.TagObjects.Select(t => $"{t.Key}={t.Value}")).AppendLine();
            foreach (var e in span.Events)
            {
                text.Append(e.Name).Append(' ').AppendJoin(' ', e.Tags.Select(t => $"{t.Key}={t.Value}")).AppendLine();
            }
            foreach (var link in span.Links)
            {
                text.AppendJoin(' ', link.Tags?.Select(t => $"{t.Key}={t.Value}") ?? []).AppendLine();
            }
        }
        foreach (var record in Logs.ToList())
        {
            text.AppendLine($"log {record.CategoryName} {record.LogLevel} {record.FormattedMessage} {record.Body} {record.Exception}");
            text.AppendJoin(' ', record.Attributes?.Select(a => $"{a.Key}={a.Value}") ?? []).AppendLine();
        }
        foreach (var metric in Metrics.ToList())
        {
            text.Append("metric ").AppendLine(metric.Name);
            foreach (var point in metric.MetricPoints)
            {
                foreach (var tag in point.Tags)
                {
                    text.Append($"{tag.Key}={tag.Value} ");
                }
                text.AppendLine();
            }
        }
        return text.ToString();
    }
}
