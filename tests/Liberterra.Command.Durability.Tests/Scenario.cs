using System.Net.Http.Json;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;
using Npgsql;

namespace Liberterra.Command.Durability.Tests;

/// <summary>A small operation, and what the timeline in PostgreSQL says about it.</summary>
internal static class Scenario
{
    public static readonly string[] Teams = ["AR-RAID-01", "AR-RAID-02", "AR-RAID-03", "MK-RAID-01", "MK-RAID-02", "IQ-RAID-01"];

    public static Task<string> Define(HttpClient http) =>
        TestOperations.DefineAsync(http, "op", "Durability test", exercise: false,
            new[] { "AR", "MK", "IQ" }.Select(r => (object)new { id = r, name = r, centroid = new { latitude = 1.0, longitude = 2.0 } }),
            Teams.Select(t => (object)new { id = t, kind = "RaidTeam", regionId = t[..2], callSign = t, agency = "Police" }));

    public static async Task<OperationView> State(HttpClient http, string op) =>
        (await http.GetFromJsonAsync<OperationView>($"/api/operations/{op}"))!;

    /// <summary>Key → how many timeline rows carry it.</summary>
    public static async Task<Dictionary<string, int>> KeysInTimeline(string connectionString, string op)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var cmd = db.CreateCommand(
            "SELECT idempotency_key, count(*) FROM timeline_events WHERE operation_id = $1 GROUP BY idempotency_key");
        cmd.Parameters.Add(new NpgsqlParameter { Value = op });
        var keys = new Dictionary<string, int>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) keys[reader.GetString(0)] = (int)reader.GetInt64(1);
        return keys;
    }

    /// <summary>Children rescued according to the timeline rows themselves (summed in SQL, not by our reducer).</summary>
    public static async Task<long> ChildrenInTimeline(string connectionString, string op)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var cmd = db.CreateCommand("""
            SELECT (coalesce(sum((payload -> 'report' -> 'counts' ->> 'children')::bigint), 0)
                  + coalesce(sum((payload -> 'correction' -> 'delta' ->> 'children')::bigint), 0))::bigint
            FROM timeline_events WHERE operation_id = $1
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = op });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>The sequence numbers are exactly 1..n.</summary>
    public static async Task AssertGapFree(string connectionString, string op)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var cmd = db.CreateCommand("SELECT count(*), min(seq), max(seq) FROM timeline_events WHERE operation_id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = op });
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(1, reader.GetInt64(1));
        Assert.Equal(reader.GetInt64(0), reader.GetInt64(2));
    }
}
