using System.Diagnostics;
using Backlinks.Storage;
using Backlinks.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Backlinks.Tests.Infrastructure;

/// <summary>
/// The pipeline as the Functions app wires it, against Azurite and the fake API, with a fake clock,
/// every log record captured, and storage names of its own so tests do not see each other's data.
/// </summary>
public sealed class TestPipeline : IAsyncDisposable
{
    /// <summary>A key that looks real enough to be noticed if it leaked anywhere.</summary>
    public const string ApiKey = "sk-live-TOPSECRET-9f8e7d6c5b4a";

    public static readonly DateTimeOffset Start = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    private readonly ActivityListener? _traces;
    private readonly List<string> _traceText;

    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly StorageOnFirstUse _storageOnFirstUse;

    private TestPipeline(ServiceProvider services, FakeDomDetailer api, FakeTimeProvider time, ActivityListener? traces, List<string> traceText,
        IReadOnlyDictionary<string, string?> settings, StorageOnFirstUse storageOnFirstUse)
    {
        _settings = settings;
        _storageOnFirstUse = storageOnFirstUse;
        Services = services;
        Api = api;
        Time = time;
        _traces = traces;
        _traceText = traceText;
    }

    public ServiceProvider Services { get; }

    /// <summary>
    /// The settings the pipeline was built from (storage, API, names), for running the CLI against the same parts.
    /// Whoever gets them may use any of the pipeline's storage, unseen by it: every queue, container and table is created first.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Settings
    {
        get
        {
            Task.Run(_storageOnFirstUse.CreateAllAsync).GetAwaiter().GetResult();
            return _settings;
        }
    }
    /// <summary>The fake DomDetailer API the pipeline calls: scripted answers, recorded calls, a simulated account.</summary>
    public FakeDomDetailer Api { get; }
    public FakeTimeProvider Time { get; }

    /// <summary>Counts the storage requests of the pipeline and fails the ones a test picks.</summary>
    public StorageRequestPolicy StorageRequests => Services.GetServices<Azure.Core.Pipeline.HttpPipelinePolicy>().OfType<StorageRequestPolicy>().Single();
    public StorageClients Storage => Services.GetRequiredService<StorageClients>();
    public FakeLogCollector Logs => Services.GetRequiredService<FakeLogCollector>();

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <param name="systemClock">Run on the real clock: for tests of the worker, whose delayed messages become visible in Azurite's time.</param>
    /// <param name="apiKey">The key of the account: the fake API accepts it and the pipeline sends it.</param>
    /// <param name="telemetry">Records the pipeline's telemetry through the OpenTelemetry SDK, as the hosts do, into in-memory exporters.</param>
    /// <param name="recordTraces">
    /// Records the activities of the test's flow, and those started outside any test, for <see cref="AllDiagnosticText"/>.
    /// Only for the tests that search it: the listener makes each such activity be created and recorded with all its tags.
    /// </param>
    public static Task<TestPipeline> StartAsync(IAzurite azurite, IDictionary<string, string?>? settings = null, bool systemClock = false,
        string apiKey = ApiKey, TelemetryCapture? telemetry = null, bool recordTraces = false)
    {
        // Not async: the mark must stay set in the caller's flow, for the rest of the test.
        return StartAsync(TestFlow.Mark(), azurite, settings, systemClock, apiKey, telemetry, recordTraces);
    }

    private static async Task<TestPipeline> StartAsync(object flow, IAzurite azurite, IDictionary<string, string?>? settings, bool systemClock,
        string apiKey, TelemetryCapture? telemetry, bool recordTraces)
    {
        var api = await FakeDomDetailer.StartAsync(apiKey);
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var config = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["DomDetailer:ApiKey"] = apiKey,
            ["DomDetailer:App"] = "BacklinksTests",
            ["DomDetailer:BaseUrl"] = api.BaseUrl.ToString(),
            ["DomDetailer:TransientRetryDelay"] = "00:00:00",
            // Storage faults are retried as in production, without its half-second waits.
            ["Storage:RetryDelay"] = "00:00:00.010",
            ["Storage:JobsQueue"] = $"jobs-{suffix}",
            ["Storage:RawContainer"] = $"raw-{suffix}",
            ["Storage:MetricsTable"] = $"metrics{suffix}",
            ["Storage:LatestMetricsTable"] = $"latest{suffix}",
            ["Storage:JobsTable"] = $"jobs{suffix}",
            ["Storage:ControlTable"] = $"control{suffix}",
            ["Storage:LinkRowsTable"] = $"rows{suffix}",
            ["Storage:LinkChangesTable"] = $"changes{suffix}",
            ["Storage:RefDomainsTable"] = $"refdomains{suffix}",
            ["Storage:WatchListTable"] = $"watch{suffix}",
            // The client-side rate limit runs on the real clock; tests that measure it set their own.
            ["DomDetailer:MaxRequestsPerSecond"] = "1000",
            ["DomDetailer:MaxConcurrency"] = "64",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        var time = new FakeTimeProvider(Start);
        var services = new ServiceCollection();
        services.AddSingleton(systemClock ? TimeProvider.System : time);
        var storageRequests = new StorageRequestPolicy();
        services.AddSingleton<Azure.Core.Pipeline.HttpPipelinePolicy>(storageRequests);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddFakeLogging());
        services.AddBacklinksPipeline(new ConfigurationBuilder().AddInMemoryCollection(config).Build());
        telemetry?.AddTo(services, flow);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.StartTelemetry();

        // Every name and tag of every activity (trace span) recorded while the pipeline runs, but those of the other tests
        // running at the same time (see TestFlow): making and recording theirs too cost every test, and this one's search.
        var traceText = new List<string>();
        var listener = !recordTraces ? null : new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => TestFlow.NowIn(flow) ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStarted = TestFlow.Stamp,
            ActivityStopped = activity =>
            {
                if (!TestFlow.Holds(flow, activity))
                {
                    return;
                }
                lock (traceText)
                {
                    traceText.Add(activity.DisplayName);
                    traceText.AddRange(activity.TagObjects.Select(t => $"{t.Key}={t.Value}"));
                }
            },
        };
        if (listener is not null)
        {
            ActivitySource.AddActivityListener(listener);
        }

        var storageOnFirstUse = new StorageOnFirstUse(
            new StorageClients(provider.GetRequiredService<StorageConnection>(), provider.GetRequiredService<IOptions<StorageOptions>>(), []));
        storageRequests.Provisioning = storageOnFirstUse;
        return new TestPipeline(provider, api, time, listener, traceText, config, storageOnFirstUse);
    }

    /// <summary>Creates a job row without a queue message, for tests that hand messages to the processor themselves.</summary>
    public async Task<Backlinks.Jobs.JobId> CreateJobAsync(string domain, bool force = false, bool onePerDomain = false)
    {
        var now = Get<TimeProvider>().GetUtcNow();
        var id = Backlinks.Jobs.JobId.New(now);
        var row = Backlinks.Jobs.JobEntity.NewQueued(id, Backlinks.Domains.DomainName.Normalize(domain).Domain!, onePerDomain, force, now);
        Assert.True(await Get<Backlinks.Jobs.JobStore>().TryAddAsync(row, CancellationToken.None));
        return id;
    }

    /// <summary>Submits domains (one per line) as POST /api/lookups and the CLI do: messages and rows.</summary>
    public Task<Backlinks.Submissions.SubmissionOutcome> SubmitAsync(IEnumerable<string> domains, bool onePerDomain = false, bool force = false) =>
        Get<Backlinks.Submissions.SubmissionService>().SubmitAsync(
            new Backlinks.Submissions.SubmissionInput(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', domains)),
                Backlinks.Submissions.SubmissionFormat.Lines, onePerDomain, force),
            CancellationToken.None);

    /// <summary>Delivers the message the job row currently expects to the processor, as its next delivery would.</summary>
    public async Task<Backlinks.Jobs.JobOutcome> RunJobAsync(Backlinks.Jobs.JobId id)
    {
        var job = await Get<Backlinks.Jobs.JobStore>().GetAsync(id, CancellationToken.None);
        return await Get<Backlinks.Jobs.JobProcessor>().ProcessAsync(Backlinks.Jobs.JobMessage.For(job!).ToJson(), CancellationToken.None);
    }

    /// <summary>All that the run wrote to logs and traces, as one text to search.</summary>
    public string AllDiagnosticText()
    {
        if (_traces is null)
        {
            throw new InvalidOperationException("Start the pipeline with recordTraces: true to search its traces.");
        }
        var logs = Logs.GetSnapshot().Select(r =>
            $"{r.Level} {r.Category} {r.Message} {r.Exception} " +
            string.Join(' ', r.StructuredState?.Select(kv => $"{kv.Key}={kv.Value}") ?? []) + " " +
            string.Join(' ', r.Scopes.Select(s => s?.ToString())));
        lock (_traceText)
        {
            return string.Join('\n', logs.Concat(_traceText));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _traces?.Dispose();
        await Api.DisposeAsync();
        await DeleteStorageAsync();
        await Services.DisposeAsync();
    }

    // Azurite keeps every queue's messages, every container's blobs and the list of tables in shared
    // collections that it scans on each request: what a test leaves behind slows every later request.
    private Task DeleteStorageAsync() => _storageOnFirstUse.DeleteCreatedAsync();
}
