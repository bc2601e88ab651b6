using Backlinks.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Backlinks.Links;

/// <summary>The wiring of the link tables: ingest, replay and queries.</summary>
public static class LinkServices
{
    public static IServiceCollection AddBacklinkLinks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LinkOptions>().Bind(configuration.GetSection(LinkOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LinkOptions>, LinkOptionsValidator>();
        services.AddSingleton(sp => LinkTables.From(sp.GetRequiredService<StorageClients>()));
        services.AddSingleton<RawSnapshots>();
        services.AddSingleton<SnapshotIngestor>();
        services.AddSingleton<SnapshotReplayer>();
        services.AddSingleton<LinkQueries>();
        return services;
    }
}

internal sealed class LinkOptionsValidator : IValidateOptions<LinkOptions>
{
    public ValidateOptionsResult Validate(string? name, LinkOptions options)
    {
        var failures = new List<string>();
        if (options.SampleCap < 1)
        {
            failures.Add("Links__SampleCap must be at least 1.");
        }
        if (options.WriteConcurrency is < 1 or > 64)
        {
            failures.Add("Links__WriteConcurrency must be between 1 and 64.");
        }
        if (options.LeaseDuration < TimeSpan.FromSeconds(10))
        {
            failures.Add("Links__LeaseDuration must be at least 00:00:10.");
        }
        if (options.LeasePollInterval <= TimeSpan.Zero || options.LeasePollInterval > options.LeaseDuration)
        {
            failures.Add("Links__LeasePollInterval must be positive and shorter than Links__LeaseDuration.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
