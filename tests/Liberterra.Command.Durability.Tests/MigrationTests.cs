using Liberterra.Command.Storage;
using Liberterra.Command.Testing;
using Npgsql;

namespace Liberterra.Command.Durability.Tests;

public class MigrationTests
{
    [Fact]
    public async Task migrations_apply_to_an_empty_database_and_reapplying_changes_nothing()
    {
        await using var db = NpgsqlDataSource.Create(await (await PostgresCluster.Shared()).CreateDatabaseAsync("migrate"));
        await Assert.ThrowsAsync<SchemaNotReadyException>(() => SchemaCheck.EnsureReadyAsync(db));

        var first = await SchemaMigrator.MigrateAsync(db);
        Assert.Equal(SchemaMigrator.All.Select(m => m.Version), first.Select(m => m.Version));
        await SchemaCheck.EnsureReadyAsync(db);

        await using (var insert = db.CreateCommand(
            "INSERT INTO orleansreminderstable VALUES ('svc', 'grain', 'r', now(), 60000, 1, 0)"))
            await insert.ExecuteNonQueryAsync();

        Assert.Empty(await SchemaMigrator.MigrateAsync(db));
        Assert.Equal(SchemaMigrator.All.Count, (await SchemaMigrator.MigrateAsync(db, repair: true)).Count);
        await using var count = db.CreateCommand("SELECT count(*) FROM orleansreminderstable");
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task concurrent_migrators_apply_each_migration_once()
    {
        await using var db = NpgsqlDataSource.Create(await (await PostgresCluster.Shared()).CreateDatabaseAsync("migrate"));
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => SchemaMigrator.MigrateAsync(db)));
        Assert.Equal(SchemaMigrator.All.Count, runs.Sum(r => r.Count));
        Assert.Equal(SchemaMigrator.All.Select(m => m.Version), await SchemaMigrator.AppliedAsync(db));
    }

    [Fact]
    public async Task an_applied_migration_that_was_edited_is_refused()
    {
        await using var db = NpgsqlDataSource.Create(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("migrate"));
        await using (var tamper = db.CreateCommand("UPDATE liberterra_schema_migrations SET checksum = 'edited' WHERE version = 3"))
            await tamper.ExecuteNonQueryAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SchemaMigrator.MigrateAsync(db));
        Assert.Contains("0003", error.Message);
    }

    [Fact]
    public async Task the_server_refuses_to_start_naming_a_missing_orleans_query_and_the_fix()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("check");
        await using (var db = NpgsqlDataSource.Create(connectionString))
        await using (var delete = db.CreateCommand("DELETE FROM orleansquery WHERE querykey = 'GatewaysQueryKey'"))
            await delete.ExecuteNonQueryAsync();

        var error = await Assert.ThrowsAsync<SchemaNotReadyException>(() => InProcessServer.StartAsync(connectionString));
        Assert.Contains("'GatewaysQueryKey'", error.Message);
        Assert.Contains("liberterra db migrate --repair", error.Message);

        await using (var db = NpgsqlDataSource.Create(connectionString))
            await SchemaMigrator.MigrateAsync(db, repair: true);
        await using var server = await InProcessServer.StartAsync(connectionString);
        Assert.True((await server.Http.GetAsync("/api/operations")).IsSuccessStatusCode);
    }

    [Fact]
    public async Task every_query_key_the_orleans_providers_read_is_created()
    {
        await using var db = NpgsqlDataSource.Create(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("check"));
        await using var cmd = db.CreateCommand("SELECT querykey FROM orleansquery");
        var keys = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) keys.Add(reader.GetString(0));
        Assert.All(SchemaCheck.RequiredQueryKeys, k => Assert.Contains(k, keys));
    }
}
