using Liberterra.Command.Testing;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// The real server (Kestrel on a loopback port, its own silo, PostgreSQL storage on a fresh database), reached over
/// real HTTP. <see cref="Http"/> is signed in as an admin.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public InProcessServer Server { get; private set; } = null!;

    public string ConnectionString { get; private set; } = null!;

    public HttpClient Http => Server.Http;

    public async Task InitializeAsync()
    {
        ConnectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("api");
        Server = await InProcessServer.StartAsync(ConnectionString);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
