using System.Collections.Concurrent;
using Npgsql;

namespace Liberterra.Command.Storage;

/// <summary>
/// A TAK device enrolled for an operation: its certificate's serial (32 hex digits), the team it reports for (null: a
/// command device, read-only), its name, who enrolled it and when, and its revocation if any.
/// </summary>
public sealed record TakDevice(
    string Serial, string OperationId, string? TeamId, string Device, DateTimeOffset IssuedAt, string IssuedBy,
    DateTimeOffset? RevokedAt = null, string? RevokedBy = null)
{
    public bool Revoked => RevokedAt is not null;
}

/// <summary>The enrolled TAK devices (migration 0012), in PostgreSQL or, for experiments, in memory.</summary>
public interface ITakDevices
{
    Task AddAsync(TakDevice device, CancellationToken ct = default);

    Task<IReadOnlyList<TakDevice>> ListAsync(string operationId, CancellationToken ct = default);

    Task<TakDevice?> FindAsync(string serial, CancellationToken ct = default);

    /// <summary>Revokes the device; false when the operation has no such device. Revoking twice keeps the first.</summary>
    Task<TakDevice?> RevokeAsync(string operationId, string serial, string by, DateTimeOffset at, CancellationToken ct = default);
}

public sealed class PostgresTakDevices(NpgsqlDataSource db) : ITakDevices
{
    private const string Columns = "serial, operation_id, team_id, device, issued_at, issued_by, revoked_at, revoked_by";

    public async Task AddAsync(TakDevice device, CancellationToken ct = default)
    {
        var d = device;
        await using var cmd = db.CreateCommand($"INSERT INTO tak_devices ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = d.Serial });
        cmd.Parameters.Add(new NpgsqlParameter { Value = d.OperationId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)d.TeamId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = d.Device });
        cmd.Parameters.Add(new NpgsqlParameter { Value = d.IssuedAt });
        cmd.Parameters.Add(new NpgsqlParameter { Value = d.IssuedBy });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<TakDevice>> ListAsync(string operationId, CancellationToken ct = default) =>
        await Query($"SELECT {Columns} FROM tak_devices WHERE operation_id = $1 ORDER BY issued_at, serial", operationId, ct);

    public async Task<TakDevice?> FindAsync(string serial, CancellationToken ct = default) =>
        (await Query($"SELECT {Columns} FROM tak_devices WHERE serial = $1", serial, ct)).FirstOrDefault();

    public async Task<TakDevice?> RevokeAsync(string operationId, string serial, string by, DateTimeOffset at, CancellationToken ct = default)
    {
        await using (var cmd = db.CreateCommand("UPDATE tak_devices SET revoked_at = $3, revoked_by = $4 WHERE operation_id = $1 AND serial = $2 AND revoked_at IS NULL"))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = operationId });
            cmd.Parameters.Add(new NpgsqlParameter { Value = serial });
            cmd.Parameters.Add(new NpgsqlParameter { Value = at });
            cmd.Parameters.Add(new NpgsqlParameter { Value = by });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        return await FindAsync(serial, ct) is { } d && d.OperationId == operationId ? d : null;
    }

    private async Task<List<TakDevice>> Query(string sql, string value, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var found = new List<TakDevice>();
        while (await reader.ReadAsync(ct))
            found.Add(new TakDevice(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        return found;
    }
}

public sealed class InMemoryTakDevices : ITakDevices
{
    private readonly ConcurrentDictionary<string, TakDevice> _devices = new(StringComparer.Ordinal);

    public Task AddAsync(TakDevice device, CancellationToken ct = default)
    {
        if (!_devices.TryAdd(device.Serial, device)) throw new InvalidOperationException($"Serial {device.Serial} is already enrolled.");
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<TakDevice>> ListAsync(string operationId, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<TakDevice>>([.. _devices.Values.Where(d => d.OperationId == operationId).OrderBy(d => d.IssuedAt).ThenBy(d => d.Serial, StringComparer.Ordinal)]);

    public Task<TakDevice?> FindAsync(string serial, CancellationToken ct = default) => Task.FromResult(_devices.GetValueOrDefault(serial));

    public Task<TakDevice?> RevokeAsync(string operationId, string serial, string by, DateTimeOffset at, CancellationToken ct = default)
    {
        if (!_devices.TryGetValue(serial, out var d) || d.OperationId != operationId) return Task.FromResult<TakDevice?>(null);
        return Task.FromResult<TakDevice?>(d.Revoked ? d : _devices[serial] = d with { RevokedAt = at, RevokedBy = by });
    }
}
