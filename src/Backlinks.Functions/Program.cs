using Backlinks;
using Backlinks.Functions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddBacklinksPipeline(builder.Configuration);
builder.Services.AddFunctionsTelemetry(builder.Configuration);
builder.Services.AddHostedService<LocalStorageProvisioning>();
builder.Build().Run();
