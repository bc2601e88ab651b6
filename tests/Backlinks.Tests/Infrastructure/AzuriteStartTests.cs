using System.Net;
using System.Net.Sockets;
using Azure.Storage.Queues;

namespace Backlinks.Tests.Infrastructure;

/// <summary>Starting the tests' Azurite (see <see cref="AzuriteProcess"/>).</summary>
public sealed class AzuriteStartTests
{
    [Fact]
    public async Task A_port_taken_before_azurite_listens_on_it_makes_it_start_again_on_others()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;
        var picks = 0;

        // The first port handed out is taken, as one can be between the check that it is free and Azurite's listen.
        await using var azurite = await AzuriteProcess.StartAsync(RepoPaths.Root, () => picks++ == 0 ? takenPort : AzuriteProcess.FreePort());

        Assert.Equal(6, picks);
        Assert.DoesNotContain($":{takenPort}/", azurite.ConnectionString, StringComparison.Ordinal);
        var queues = new QueueServiceClient(azurite.ConnectionString);
        await queues.GetQueueClient("started-again").CreateIfNotExistsAsync();
        Assert.Contains(queues.GetQueues(), q => q.Name == "started-again");
    }
}
