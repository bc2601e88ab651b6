using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Backlinks.Watching;

/// <summary>The wiring of the watch list: its table, its commands and the scheduled refresh.</summary>
public static class WatchListServices
{
    public static IServiceCollection AddBacklinkWatchList(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WatchListOptions>().Bind(configuration.GetSection(WatchListOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WatchListOptions>, WatchListOptionsValidator>();
        services.AddSingleton<WatchListStore>();
        services.AddSingleton<WatchList>();
        services.AddSingleton<WatchListRefresher>();
        return services;
    }
}
