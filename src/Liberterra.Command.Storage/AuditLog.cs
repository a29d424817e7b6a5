using System.Security.Cryptography;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Liberterra.Command.Storage;

/// <summary>One audited request: who, as what, when, what, from where, and how it ended. Never a note's text.</summary>
public sealed record AuditEntry(
    DateTimeOffset At,
    string Actor,
    string Role,
    string Action,
    string Target,
    bool Allowed,
    int Status,
    string Address,
    string DetailJson);

/// <summary>The result of checking the chain: intact, or the first link that does not hold.</summary>
public sealed record AuditVerification(bool Intact, long Entries, long? BrokenAt, string Message, string? HeadHash);

/// <summary>
/// The audit trail in PostgreSQL. Rows are numbered 1, 2, 3... and each carries the hash of the one before, so
/// changing a row breaks its own hash and deleting one breaks the next row's link. Writers from any silo serialise
/// on an advisory lock, one batch per transaction.
/// </summary>
public sealed class AuditLog(NpgsqlDataSource db)
{
    private const long LockId = 0x4c69624175646974; // "LibAudit"
    private static readonly byte[] Genesis = new byte[32];

    public async Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken ct = default)
    {
        if (entries.Count == 0) return;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        // Three round trips: the lock and the head together, the rows, the commit. Under READ COMMITTED each statement
        // of a batch takes its own snapshot, so the head is read once the lock is held and sees the previous holder's commit.
        // The trail's commit does not wait for the disk (synchronous_commit off for this transaction only): a crash
        // of PostgreSQL itself can lose the last fraction of a second of entries (a prefix of the chain survives,
        // intact), and every acknowledged report's own commit flushes all entries written before it. Waiting here
        // would add a second flush beside each timeline commit.
        long id = 0;
        var prev = Genesis;
        await using (var start = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock({LockId})"),
                new NpgsqlBatchCommand("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"),
            },
        })
        await using (var reader = await start.ExecuteReaderAsync(ct))
        {
            await reader.NextResultAsync(ct); // past the lock's row
            if (await reader.ReadAsync(ct))
            {
                id = reader.GetInt64(0);
                prev = reader.GetFieldValue<byte[]>(1);
            }
        }

        // One statement for the whole batch: the chain is computed here, the rows go in together.
        var n = entries.Count;
        var ids = new long[n];
        var at = new DateTime[n];
        var actors = new string[n];
        var roles = new string[n];
        var actions = new string[n];
        var targets = new string[n];
        var outcomes = new string[n];
        var statuses = new int[n];
        var addresses = new string[n];
        var details = new string[n];
        var prevs = new byte[n][];
        var hashes = new byte[n][];
        for (var i = 0; i < n; i++)
        {
            var e = entries[i] with { At = Truncate(entries[i].At) };
            id++;
            var hash = Hash(id, e, prev);
            (ids[i], at[i], actors[i], roles[i], actions[i], targets[i]) = (id, e.At.UtcDateTime, e.Actor, e.Role, e.Action, e.Target);
            (outcomes[i], statuses[i], addresses[i], details[i], prevs[i], hashes[i]) =
                (e.Allowed ? "allowed" : "refused", e.Status, e.Address, e.DetailJson, prev, hash);
            prev = hash;
        }

        await using (var insert = new NpgsqlCommand("""
            INSERT INTO audit_log (id, at, actor, role, action, target, outcome, status, address, detail, prev_hash, hash)
            SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                 $8::integer[], $9::text[], $10::jsonb[], $11::bytea[], $12::bytea[])
            """, connection, tx))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            insert.Parameters.Add(new NpgsqlParameter { Value = at, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            foreach (var texts in new[] { actors, roles, actions, targets, outcomes })
                insert.Parameters.Add(new NpgsqlParameter { Value = texts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = statuses, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            insert.Parameters.Add(new NpgsqlParameter { Value = addresses, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = details, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            insert.Parameters.Add(new NpgsqlParameter { Value = prevs, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            insert.Parameters.Add(new NpgsqlParameter { Value = hashes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            await insert.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>Walks the whole chain in order and names the first row whose link or hash does not hold.</summary>
    public async Task<AuditVerification> VerifyAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("""
            SELECT id, at, actor, role, action, target, outcome, status, address, detail::text, prev_hash, hash
            FROM audit_log ORDER BY id
            """);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        long expectedId = 1, count = 0;
        var prev = Genesis;
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetInt64(0);
            var e = new AuditEntry(
                new DateTimeOffset(reader.GetFieldValue<DateTime>(1), TimeSpan.Zero), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6) == "allowed", reader.GetInt32(7), reader.GetString(8),
                reader.GetString(9));
            var storedPrev = reader.GetFieldValue<byte[]>(10);
            var storedHash = reader.GetFieldValue<byte[]>(11);
            if (id != expectedId)
                return Broken(count, expectedId, $"entry #{expectedId} is missing (the next entry is #{id}): deleted");
            if (!storedPrev.AsSpan().SequenceEqual(prev))
                return Broken(count, id, $"entry #{id} does not link to entry #{id - 1}: an entry before it was changed or removed");
            if (!Hash(id, e, prev).AsSpan().SequenceEqual(storedHash))
                return Broken(count, id, $"entry #{id} was changed after it was written (its hash does not match its content)");
            prev = storedHash;
            expectedId++;
            count++;
        }

        return new AuditVerification(true, count, null,
            $"audit chain intact: {count} entries; head hash {Convert.ToHexString(prev)[..16]}", Convert.ToHexString(prev));
    }

    private static AuditVerification Broken(long count, long at, string message) => new(false, count, at, message, null);

    // jsonb normalises the text of `detail`, so the hash covers the normalised form, which is what is read back.
    private static byte[] Hash(long id, AuditEntry e, byte[] prev)
    {
        var text = string.Join('\n', id, e.At.UtcTicks, e.Actor, e.Role, e.Action, e.Target, e.Allowed ? "allowed" : "refused",
            e.Status, e.Address, NormaliseJson(e.DetailJson));
        return SHA256.HashData([.. prev, .. Encoding.UTF8.GetBytes(text)]);
    }

    private static string NormaliseJson(string json)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json);
        return node is System.Text.Json.Nodes.JsonObject o
            ? new System.Text.Json.Nodes.JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))).ToJsonString()
            : node?.ToJsonString() ?? "null";
    }

    private static DateTimeOffset Truncate(DateTimeOffset t)
    {
        var utc = t.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
    }
}
