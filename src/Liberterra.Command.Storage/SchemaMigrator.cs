using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Liberterra.Command.Storage;

/// <summary>
/// The project's own ordered migrations (embedded <c>Migrations/NNNN_name.sql</c>). Applying them is idempotent:
/// applied ones are skipped, a changed applied one is an error, and concurrent migrators wait for each other.
/// </summary>
public static class SchemaMigrator
{
    private const long LockId = 0x4c69626572746572; // "Liberter"

    /// <summary>Every migration this build knows, in order.</summary>
    public static IReadOnlyList<Migration> All { get; } = Load();

    public static int LatestVersion => All[^1].Version;

    /// <summary>
    /// Applies what is missing; returns the migrations applied now (empty when up to date). With
    /// <paramref name="repair"/>, applied migrations run again too: each is written to be re-runnable, so this puts
    /// back anything deleted by hand (a query row, a trigger) without touching data.
    /// </summary>
    public static async Task<IReadOnlyList<Migration>> MigrateAsync(NpgsqlDataSource db, bool repair = false, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Execute(connection, $"SELECT pg_advisory_xact_lock({LockId})", ct);
        await Execute(connection, """
            CREATE TABLE IF NOT EXISTS liberterra_schema_migrations (
                version    integer     NOT NULL PRIMARY KEY,
                name       text        NOT NULL,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, ct);

        var applied = new Dictionary<int, string>();
        await using (var read = new NpgsqlCommand("SELECT version, checksum FROM liberterra_schema_migrations", connection))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) applied[reader.GetInt32(0)] = reader.GetString(1);
        }

        var now = new List<Migration>();
        foreach (var m in All)
        {
            if (applied.TryGetValue(m.Version, out var checksum))
            {
                if (checksum != m.Checksum)
                    throw new InvalidOperationException(
                        $"Migration {m.Version:D4} '{m.Name}' was changed after it was applied to this database. " +
                        "Applied migrations are never edited: add a new one instead.");
                if (repair)
                {
                    await Execute(connection, m.Sql, ct);
                    now.Add(m);
                }

                continue;
            }

            await Execute(connection, m.Sql, ct);
            await using var record = new NpgsqlCommand(
                "INSERT INTO liberterra_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", connection);
            record.Parameters.Add(new() { Value = m.Version });
            record.Parameters.Add(new() { Value = m.Name });
            record.Parameters.Add(new() { Value = m.Checksum });
            await record.ExecuteNonQueryAsync(ct);
            now.Add(m);
        }

        await tx.CommitAsync(ct);
        return now;
    }

    /// <summary>The versions applied to the database (empty when none).</summary>
    public static async Task<IReadOnlyList<int>> AppliedAsync(NpgsqlDataSource db, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            "SELECT version FROM liberterra_schema_migrations ORDER BY version");
        try
        {
            var versions = new List<int>();
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) versions.Add(reader.GetInt32(0));
            return versions;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return [];
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static List<Migration> Load()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var migrations = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("Migrations.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => Read(assembly, n))
            .OrderBy(m => m.Version)
            .ToList();
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
                throw new InvalidOperationException($"Migrations must be numbered 0001, 0002, ... without gaps; found {migrations[i].Name}.");
        }

        return migrations;
    }

    private static Migration Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var sql = reader.ReadToEnd().ReplaceLineEndings("\n");
        var name = resource["Migrations.".Length..^".sql".Length];
        var version = int.Parse(name[..4], System.Globalization.CultureInfo.InvariantCulture);
        var checksum = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sql)))[..16];
        return new Migration(version, name, sql, checksum);
    }
}

/// <summary>One migration: its number, name, SQL and checksum.</summary>
public sealed record Migration(int Version, string Name, string Sql, string Checksum);
