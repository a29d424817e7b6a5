using System.Net;
using System.Net.Sockets;
using Liberterra.Command.Server.Hosting;
using Liberterra.Command.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// The real server (Kestrel on a loopback port, its own silo, PostgreSQL storage on a fresh database), reached over
/// real HTTP.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("api");
        _app = LiberterraServer.Build(
        [
            "--urls", "http://127.0.0.1:0",
            $"--ConnectionStrings:Liberterra={connectionString}",
            $"--Silo:SiloPort={FreePort()}",
            $"--Silo:GatewayPort={FreePort()}",
            $"--Silo:ClusterId=api-tests-{Guid.NewGuid():N}",
        ], builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await _app.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
