using System.CommandLine;
using Liberterra.Command.Storage;
using Npgsql;

namespace Liberterra.Command.Cli;

/// <summary><c>liberterra db migrate</c> and <c>liberterra db status</c>: the PostgreSQL schema.</summary>
internal static class DatabaseCommands
{
    public static System.CommandLine.Command Create()
    {
        var repair = new Option<bool>("--repair") { Description = "Re-run every migration (each is re-runnable): restores rows or triggers removed by hand; data is untouched." };
        var migrate = new System.CommandLine.Command("migrate", "Apply the schema migrations that are missing (idempotent).") { DatabaseOptions.Connection, repair };
        migrate.SetAction((parse, ct) => WithDatabase(parse, 1, async db =>
        {
            var applied = await SchemaMigrator.MigrateAsync(db, parse.GetValue(repair), ct);
            Console.WriteLine(applied.Count == 0
                ? $"The schema is up to date (migration {SchemaMigrator.LatestVersion:D4})."
                : string.Join(Environment.NewLine, applied.Select(m => $"applied {m.Version:D4} {m.Name}")));
            await SchemaCheck.EnsureReadyAsync(db, ct);
            return 0;
        }));

        var status = new System.CommandLine.Command("status", "Show which migrations are applied and whether the server can start.") { DatabaseOptions.Connection };
        status.SetAction((parse, ct) => WithDatabase(parse, 1, async db =>
        {
            var applied = (await SchemaMigrator.AppliedAsync(db, ct)).ToHashSet();
            foreach (var m in SchemaMigrator.All)
                Console.WriteLine($"{(applied.Contains(m.Version) ? "applied" : "MISSING")}  {m.Version:D4} {m.Name}");
            try
            {
                await SchemaCheck.EnsureReadyAsync(db, ct);
                Console.WriteLine("ready: the server can start on this database");
                return 0;
            }
            catch (SchemaNotReadyException e)
            {
                Console.Error.WriteLine($"not ready: {e.Message}");
                return 1;
            }
        }));

        return new System.CommandLine.Command("db", "The PostgreSQL schema.") { migrate, status };
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the database of <c>--connection</c>: 2 without one, <paramref name="failure"/>
    /// (and the reason) when it cannot be reached or the connection string is not valid.
    /// </summary>
    internal static async Task<int> WithDatabase(ParseResult parse, int failure, Func<NpgsqlDataSource, Task<int>> action)
    {
        var connection = DatabaseOptions.ConnectionOf(parse);
        if (string.IsNullOrWhiteSpace(connection))
        {
            await Console.Error.WriteLineAsync("liberterra: --connection (or ConnectionStrings__Liberterra) is required.");
            return 2;
        }

        try
        {
            await using var db = NpgsqlDataSource.Create(connection);
            return await action(db);
        }
        catch (Exception e) when (e is NpgsqlException or SchemaNotReadyException or InvalidOperationException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"liberterra: {e.Message}");
            return failure;
        }
    }
}
