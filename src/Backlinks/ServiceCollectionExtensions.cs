using System.Net;
using Backlinks.DomDetailer;
using Backlinks.Jobs;
using Backlinks.Links;
using Backlinks.Storage;
using Backlinks.Submissions;
using Backlinks.Throttling;
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

        services.AddOptions<DomDetailerOptions>().Bind(configuration.GetSection(DomDetailerOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DomDetailerOptions>, DomDetailerOptionsValidator>();
        services.AddOptions<BackoffOptions>().Bind(configuration.GetSection(BackoffOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BackoffOptions>, BackoffOptionsValidator>();
        services.AddOptions<QueueWorkerOptions>().Bind(configuration.GetSection(QueueWorkerOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<QueueWorkerOptions>, QueueWorkerOptionsValidator>();
        services.AddOptions<CacheOptions>().Bind(configuration.GetSection(CacheOptions.Section)).ValidateOnStart();
        services.AddOptions<BudgetOptions>().Bind(configuration.GetSection(BudgetOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CacheOptions>, ThrottlingOptionsValidator>();
        services.AddSingleton<IValidateOptions<BudgetOptions>, ThrottlingOptionsValidator>();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section));

        services.AddAzureClientsCore();
        services.AddSingleton(sp => StorageConnection.FromConfiguration(configuration, sp.GetRequiredService<AzureComponentFactory>()));
        services.AddSingleton<StorageClients>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<MetricsStore>();
        services.AddSingleton<RawResponseStore>();
        services.AddSingleton<JobQueries>();
        services.AddSingleton<SubmissionService>();
        services.AddSingleton(sp => new BackoffPolicy(sp.GetRequiredService<IOptions<BackoffOptions>>(), Random.Shared));
        services.AddSingleton<CreditLedger>();
        services.AddSingleton<SharedCalls>();
        services.AddTransient<ApiGate>();
        services.AddTransient<AppStatusQuery>();
        services.AddTransient<JobProcessor>();
        services.AddTransient<QueueWorker>();
        services.AddBacklinkLinks(configuration);

        AddDomDetailerClient(services);
        return services;
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
                // Client-side limits, per instance, inside the retry: every attempt takes a token and a slot,
                // and waits for them asynchronously (no thread is blocked).
                pipeline.AddRateLimiter(RequestRate(options.MaxRequestsPerSecond));
                pipeline.AddConcurrencyLimiter(new ConcurrencyLimiterOptions
                {
                    PermitLimit = options.MaxConcurrency,
                    QueueLimit = int.MaxValue,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                });
                pipeline.AddTimeout(options.Timeout);
            });
        // Added after the resilience handler, so it runs inside each attempt (timeout and retries cover the body).
        client.AddHttpMessageHandler(sp => new ContentBufferingHandler(sp.GetRequiredService<IOptions<DomDetailerOptions>>().Value.MaxResponseBytes));
    }

    /// <summary>
    /// A steady rate rather than bursts: one token every 1/rate s (up to 10/s), or the matching share
    /// every 100 ms above that, since timers do not tick much finer.
    /// </summary>
    private static TokenBucketRateLimiter RequestRate(double perSecond)
    {
        var tokensPerTick = perSecond <= 10 ? 1 : (int)Math.Ceiling(perSecond / 10);
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = tokensPerTick,
            TokensPerPeriod = tokensPerTick,
            ReplenishmentPeriod = TimeSpan.FromSeconds(tokensPerTick / perSecond),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result.StatusCode: >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout } => true,
        _ => false,
    };
}
