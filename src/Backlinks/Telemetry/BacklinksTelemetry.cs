using System.Diagnostics;

namespace Backlinks.Telemetry;

/// <summary>
/// The pipeline's one <see cref="ActivitySource"/> and the names of its spans and attributes. The function
/// app, the CLI worker and the tests share them; span, metric and attribute names are a contract with
/// dashboards, queries and alerts: add, never rename.
/// </summary>
public static class BacklinksTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Backlinks";

    public static readonly ActivitySource Source = new(Name);

    /// <summary>Span names.</summary>
    public static class Spans
    {
        public const string Submit = "backlinks.submit";
        public const string Job = "backlinks.job";
        public const string PoisonedJob = "backlinks.job.poisoned";
        public const string BacklinksCall = "backlinks.api.backlinks";
        public const string BalanceCall = "backlinks.api.balance";
        public const string UploadRaw = "backlinks.storage.upload_raw";
        public const string ApplySnapshot = "backlinks.storage.apply_snapshot";
        public const string WriteJobRow = "backlinks.storage.write_job";
        public const string SendMessage = "backlinks.storage.send_message";
    }

    /// <summary>Attribute (tag) names, on spans and metrics.</summary>
    public static class Attributes
    {
        public const string Domain = "backlinks.domain";
        public const string JobId = "backlinks.job.id";
        public const string Attempt = "backlinks.job.attempt";
        public const string Outcome = "backlinks.job.outcome";
        public const string Detail = "backlinks.job.detail";
        public const string QueueDelaySeconds = "backlinks.job.queue_delay_s";
        public const string JobDurationSeconds = "backlinks.job.duration_s";
        public const string Jobs = "backlinks.submit.jobs";
        public const string Credits = "backlinks.credits";
        public const string ApiResult = "backlinks.api.result";
        public const string HttpStatus = "http.response.status_code";
        public const string Endpoint = "endpoint";
        public const string Status = "status";
        public const string Reason = "reason";
    }

    /// <summary>A span around one storage write: the raw blob, the derived tables, a job row or a job message.</summary>
    public static Activity? StartStorageWrite(string name, string target) =>
        Source.StartActivity(name, ActivityKind.Client)?.SetTag("backlinks.storage.target", target);
}
