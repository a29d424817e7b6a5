using Liberterra.Command.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Liberterra.Command.Testing;

/// <summary>The real server in this process: Kestrel on a loopback port, its own silo, reached over real HTTP.</summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessServer(WebApplication app, HttpClient http)
    {
        _app = app;
        Http = http;
    }

    public HttpClient Http { get; }

    public Uri Address => Http.BaseAddress!;

    /// <summary>Starts a server on <paramref name="connectionString"/>; several with one cluster id form a cluster.</summary>
    public static async Task<InProcessServer> StartAsync(string connectionString, string? clusterId = null, params string[] extra)
    {
        var app = LiberterraServer.Build(
        [
            "--urls", "http://127.0.0.1:0",
            $"--ConnectionStrings:Liberterra={connectionString}",
            $"--Silo:SiloPort={Ports.Free()}",
            $"--Silo:GatewayPort={Ports.Free()}",
            $"--Silo:ClusterId={clusterId ?? $"test-{Guid.NewGuid():N}"}",
            .. extra,
        ], builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        return new InProcessServer(app, new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(60) });
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
