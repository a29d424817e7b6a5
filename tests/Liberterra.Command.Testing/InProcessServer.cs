using Liberterra.Command.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Liberterra.Command.Testing;

/// <summary>
/// The real server in this process: Kestrel on a loopback port, its own silo, reached over real HTTP.
/// <see cref="Http"/> signs in as an admin; <see cref="Client"/> as anyone.
/// </summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Http = TestAuth.Client(address, TestAuth.Token(Access.Roles.Admin));
    }

    /// <summary>A client signed in as an admin.</summary>
    public HttpClient Http { get; }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>A client with the given bearer token (null: no credential).</summary>
    public HttpClient Client(string? token) =>
        token is null ? new HttpClient { BaseAddress = Address } : TestAuth.Client(Address, token);

    /// <summary>Starts a server on <paramref name="connectionString"/>; several with one cluster id form a cluster.</summary>
    public static async Task<InProcessServer> StartAsync(string connectionString, string? clusterId = null, params string[] extra) =>
        await StartAsync(connectionString, clusterId, null, extra);

    /// <summary>A server of its own on a new database named after <paramref name="name"/>, with extra settings.</summary>
    public static async Task<InProcessServer> StartOnNewDatabaseAsync(string name, params string[] extra) =>
        await StartAsync(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync(name), null, null, extra);

    public static async Task<InProcessServer> StartAsync(
        string connectionString, string? clusterId, Action<WebApplicationBuilder>? configure, params string[] extra)
    {
        var app = LiberterraServer.Build(
        [
            "--urls", "http://127.0.0.1:0",
            $"--ConnectionStrings:Liberterra={connectionString}",
            $"--Silo:SiloPort={Ports.Free()}",
            $"--Silo:GatewayPort={Ports.Free()}",
            $"--Silo:ClusterId={clusterId ?? $"test-{Guid.NewGuid():N}"}",
            .. TestAuth.ServerArguments,
            .. extra,
        ], builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        return new InProcessServer(app, new Uri(app.Urls.First()));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
