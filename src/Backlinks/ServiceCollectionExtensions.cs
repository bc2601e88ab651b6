using System.Net;
using Backlinks.DomDetailer;
using Backlinks.Jobs;
using Backlinks.Links;
using Backlinks.Queries;
using Backlinks.Storage;
using Backlinks.Submissions;
using Backlinks.Telemetry;
using Backlinks.Throttling;
using Backlinks.Watching;
using Backlinks.Worker;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;
using System.Threading.RateLimiting;

namespace Backlinks;

/// <summary>The one wiring of the pipeline, shared by the Functions app, the command line and the tests.</summary>
public static class ServiceCollectionExtensions
{
    public static IServiceCollection AddBacklinksPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);

        services.AddValidatedOptions<DomDetailerOptions, DomDetailerOptionsValidator>(configuration, DomDetailerOptions.Section);
        services.AddValidatedOptions<BackoffOptions, BackoffOptionsValidator>(configuration, BackoffOptions.Section);
        services.AddValidatedOptions<QueueWorkerOptions, QueueWorkerOptionsValidator>(configuration, QueueWorkerOptions.Section);
        services.AddValidatedOptions<CacheOptions, ThrottlingOptionsValidator>(configuration, CacheOptions.Section);
        services.AddValidatedOptions<BudgetOptions, ThrottlingOptionsValidator>(configuration, BudgetOptions.Section);
        services.AddValidatedOptions<StorageOptions, StorageOptionsValidator>(configuration, StorageOptions.Section);

        // Singletons: they hold no per-job state (a job's state travels in its row and message) and the
        // clients they share are thread-safe and pool connections. The exceptions are transient on purpose:
        // they take the typed DomDetailerClient, which the HTTP client factory hands out per resolve so that
        // its handlers are rotated; a singleton would keep one HttpClient forever.
        services.AddAzureClientsCore();
        services.AddSingleton(sp => StorageConnection.FromConfiguration(configuration, sp.GetRequiredService<AzureComponentFactory>()));
        services.AddSingleton<StorageClients>();
        services.AddSingleton<StorageProvisioner>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<MetricsStore>();
        services.AddSingleton<RawResponseStore>();
        services.AddSingleton<JobQueries>();
        services.AddSingleton<AppStatusQuery>();
        services.AddSingleton<SubmissionService>();
        services.AddSingleton(sp => new BackoffPolicy(sp.GetRequiredService<IOptions<BackoffOptions>>(), Random.Shared));
        services.AddSingleton<ApiAccount>();
        services.AddSingleton<AccountState>();
        services.AddSingleton<SharedCallSlots>();
        services.AddSingleton<AdaptiveRate>();
        services.AddSingleton<CreditLedger>();
        services.AddSingleton<CallReservations>();
        services.AddMetrics();
        services.AddSingleton<BacklinksMetrics>();
        services.AddTransient<ApiGate>();
        services.AddSingleton<JobDelivery>();
        services.AddSingleton<PoisonedJobs>();
        services.AddTransient<JobProcessor>();
        services.AddTransient<QueueWorker>();
        services.AddSingleton<Operations.JobListQuery>();
        services.AddTransient<Operations.JobOperations>();
        services.AddTransient<Operations.PauseResumer>();
        services.AddBacklinkLinks(configuration);
        services.AddBacklinkWatchList(configuration);

        AddDomDetailerClient(services);
        return services;
    }

    /// <summary>Binds an options class from its section and checks it with its validator when the app starts.</summary>
    private static void AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
    }

    private static void AddDomDetailerClient(IServiceCollection services)
    {
        var client = services.AddHttpClient<DomDetailerClient>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            // The default HttpClient loggers write request URIs, and the API key is in the query string.
            .RemoveAllLoggers();
        client.AddResilienceHandler("domdetailer", static (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<DomDetailerOptions>>().Value;
                if (options.TransientRetries > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = options.TransientRetries,
                        Delay = options.TransientRetryDelay,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        // 429 and 402 are not retried here: the job waits in the queue instead.
                        ShouldRetryAfterHeader = false,
                        ShouldHandle = static args => ValueTask.FromResult(IsTransient(args.Outcome)),
                    });
                }
                // Calls in flight from this instance, inside the retry: every attempt takes a slot and waits for
                // it asynchronously (no thread is blocked).
                pipeline.AddConcurrencyLimiter(new ConcurrencyLimiterOptions
                {
                    PermitLimit = options.MaxConcurrency,
                    QueueLimit = int.MaxValue,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                });
                pipeline.AddTimeout(options.Timeout);
            });
        // Added after the resilience handler, so they run inside each attempt: every attempt is paced at the
        // account's learned rate, and the timeout and retries cover the body.
        client.AddHttpMessageHandler(sp => new RequestPacingHandler(sp.GetRequiredService<AdaptiveRate>(), sp.GetRequiredService<TimeProvider>()));
        client.AddHttpMessageHandler(sp => new ApiCallCountingHandler(sp.GetRequiredService<BacklinksMetrics>(), sp.GetRequiredService<IOptions<DomDetailerOptions>>().Value));
        client.AddHttpMessageHandler(sp => new ContentBufferingHandler(sp.GetRequiredService<IOptions<DomDetailerOptions>>().Value.MaxResponseBytes));
    }

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result.StatusCode: >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout } => true,
        _ => false,
    };
}
