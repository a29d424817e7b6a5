using System.Runtime.CompilerServices;
using System.Text.Json;
using Liberterra.Command.Domain;
using Npgsql;
using NpgsqlTypes;

namespace Liberterra.Command.Storage;

/// <summary>
/// The timeline in PostgreSQL. A batch is one statement: it moves the operation's head from the batch's first
/// sequence number minus one to its last, and inserts the rows only if that move succeeded. One round trip, one
/// commit (synchronous_commit on), all or nothing: this is the group commit behind many concurrent reports.
/// Both statements are fixed texts so that Npgsql's automatic preparation (see <see cref="CreateDataSource"/>) applies:
/// unprepared, planning them costs more than the commit.
/// </summary>
public sealed partial class PostgresTimelineStore(NpgsqlDataSource db) : ITimelineWriter, ITimelineReader
{
    /// <summary>A data source for the timeline: prepared statements and no reset of pooled connections unless the connection string says otherwise.</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }

        // Nothing here changes a session's state (a setting is set for one transaction, a lock is a transaction's), so a pooled
        // connection needs no reset: without this, every use of one starts with four more statements.
        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
            builder.ConnectionStringBuilder.NoResetOnClose = true;

        return builder.Build();
    }

    // Moves the head from $3 (the batch's first number minus one) to $2 (its last), or creates it for a first batch.
    // The rows are inserted only if that succeeded, so a stale or concurrent writer stores nothing.
    private const string MoveHead = """
        WITH head AS (
            INSERT INTO timeline_heads (operation_id, last_seq)
            SELECT $1, $2 WHERE $3 = 0
            ON CONFLICT (operation_id) DO NOTHING
            RETURNING 1
        ), moved AS (
            UPDATE timeline_heads SET last_seq = $2
            WHERE operation_id = $1 AND last_seq = $3 AND $3 > 0
            RETURNING 1
        )
        INSERT INTO timeline_events
            (operation_id, seq, server_time, client_time, actor, team_id, kind, idempotency_key, fingerprint, payload)

        """;

    private const string IfHeadMoved = "\nWHERE EXISTS (SELECT 1 FROM head) OR EXISTS (SELECT 1 FROM moved)";

    // One event (the usual case below a few hundred reports a second): plain parameters plan and bind fastest.
    private const string AppendOneSql = MoveHead + "SELECT $1, $2, $4, $5, $6, $7, $8, $9, $10, $11" + IfHeadMoved;

    // A batch: one row per element of the arrays.
    private const string AppendSql = MoveHead + """
        SELECT $1, u.seq, u.server_time, u.client_time, u.actor, u.team_id, u.kind, u.idempotency_key, u.fingerprint, u.payload
        FROM unnest($4::bigint[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::text[],
                    $11::bytea[], $12::jsonb[])
             AS u(seq, server_time, client_time, actor, team_id, kind, idempotency_key, fingerprint, payload)
        """ + IfHeadMoved;

    private const string Columns = "seq, server_time, client_time, actor, team_id, idempotency_key, payload";

    public async Task AppendAsync(string operationId, IReadOnlyList<TimelineEvent> events, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0) return;
        var n = events.Count;
        var seqs = new long[n];
        var serverTimes = new DateTime[n];
        var clientTimes = new DateTime?[n];
        var actors = new string[n];
        var teams = new string?[n];
        var kinds = new string[n];
        var keys = new string[n];
        var fingerprints = new byte[n][];
        var payloads = new string[n];
        for (var i = 0; i < n; i++)
        {
            var e = events[i];
            if (e.OperationId != operationId)
                throw new ArgumentException($"Event {e.Seq} belongs to '{e.OperationId}', not '{operationId}'.", nameof(events));
            if (i > 0 && e.Seq != seqs[i - 1] + 1)
                throw new ArgumentException("A batch's sequence numbers must be consecutive.", nameof(events));
            seqs[i] = e.Seq;
            serverTimes[i] = e.ServerTime.UtcDateTime;
            clientTimes[i] = e.ClientTime?.UtcDateTime;
            actors[i] = e.Actor;
            teams[i] = e.TeamId;
            kinds[i] = e.Kind;
            keys[i] = e.IdempotencyKey;
            try
            {
                payloads[i] = JsonSerializer.Serialize(e.Payload, DomainJson.Options);
            }
            catch (ArgumentException ex)
            {
                // Text that has no UTF-8 form (a lone surrogate) cannot become JSON: this event's content, not the batch's.
                throw new TimelineContentRefusedException($"Event {e.Seq} of '{operationId}' holds text that cannot be written as JSON.", ex);
            }

            fingerprints[i] = Fingerprints.ToBytes(Fingerprints.Of(e.TeamId, e.ClientTime, payloads[i]));
        }

        // On a connection of its own, held until the answer is read: see ForgetAfterRefusal.
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand(n == 1 ? AppendOneSql : AppendSql, connection);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seqs[^1] });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seqs[0] - 1 });
        if (n == 1)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = serverTimes[0], NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)clientTimes[0] ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new NpgsqlParameter { Value = actors[0], NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)teams[0] ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter { Value = kinds[0], NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter { Value = keys[0], NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter { Value = fingerprints[0], NpgsqlDbType = NpgsqlDbType.Bytea });
            cmd.Parameters.Add(new NpgsqlParameter { Value = payloads[0], NpgsqlDbType = NpgsqlDbType.Jsonb });
            await Execute(cmd, operationId, seqs, cancellationToken);
            return;
        }

        cmd.Parameters.Add(new NpgsqlParameter { Value = seqs, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = serverTimes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { Value = clientTimes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { Value = actors, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = teams, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = kinds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = fingerprints, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new NpgsqlParameter { Value = payloads, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        await Execute(cmd, operationId, seqs, cancellationToken);
    }

    private async Task<bool> Execute(NpgsqlCommand cmd, string operationId, long[] seqs, CancellationToken cancellationToken)
    {
        int inserted;
        try
        {
            inserted = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new TimelineConflictException(
                $"Appending {seqs[0]}..{seqs[^1]} to '{operationId}' conflicts with stored events ({e.ConstraintName}).", e)
            {
                KeyTaken = e.ConstraintName == "uq_timeline_events_key",
            };
        }
        catch (Exception e) when (TimelineContentRefusedException.IsContentRefusal(e))
        {
            ForgetAfterRefusal();
            throw new TimelineContentRefusedException(
                $"The database refused the content of {seqs[0]}..{seqs[^1]} of '{operationId}': {(e as PostgresException)?.SqlState ?? e.GetType().Name}.", e);
        }

        if (inserted != seqs.Length)
            throw new TimelineConflictException(
                $"The timeline of '{operationId}' does not end at {seqs[0] - 1}: another writer appended to it.");
        return true;
    }

    /// <summary>
    /// Called while the connection that saw a content refusal is still open: it is closed when returned instead of
    /// going back to the pool. A statement that Npgsql prepares automatically is prepared on its second use, in the same
    /// round trip as that use; if the database refuses the use's values (Bind fails: a NUL in text, say), Npgsql keeps
    /// the statement as prepared while the server does not describe it the same way, and the connection's next use of
    /// it fails with "Received unexpected backend message DataRow" (npgsql/npgsql#6391, open in Npgsql 10.0.3; seen
    /// here as a 500 on a significant mark after a refused one). Clearing the pool also closes the idle connections:
    /// a few reconnects after a refusal that the API's boundary already makes rare. Reproduced for the mark (a statement
    /// that returns a row); for the append, which returns none, a refusal on its preparing use did not break the next
    /// one (RefusedCommandTests), so there it is a precaution.
    /// </summary>
    private void ForgetAfterRefusal() => db.Clear();

    public async IAsyncEnumerable<TimelineEvent> ReadAsync(
        string operationId, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand(
            $"SELECT {Columns} FROM timeline_events WHERE operation_id = $1 AND seq > $2 ORDER BY seq", connection);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterSeq });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return ReadEvent(operationId, reader);
        }
    }

    public async Task<TimelineEvent?> ReadEventAsync(string operationId, long seq, CancellationToken cancellationToken = default)
    {
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM timeline_events WHERE operation_id = $1 AND seq = $2");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadEvent(operationId, reader) : null;
    }

    public async IAsyncEnumerable<KeyRecord> ReadKeysAsync(
        string operationId, long afterSeq, long upToSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand(
            "SELECT idempotency_key, fingerprint, seq FROM timeline_events WHERE operation_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq", connection);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterSeq });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upToSeq });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return KeyOf(reader);
        }
    }

    public async Task<IReadOnlyList<KeyRecord>> FindKeysAsync(string operationId, IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default)
    {
        // The unique index on (operation_id, idempotency_key) answers it.
        await using var cmd = db.CreateCommand(
            "SELECT idempotency_key, fingerprint, seq FROM timeline_events WHERE operation_id = $1 AND idempotency_key = ANY($2)");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. keys] });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var found = new List<KeyRecord>();
        while (await reader.ReadAsync(cancellationToken)) found.Add(KeyOf(reader));
        return found;
    }

    private static KeyRecord KeyOf(NpgsqlDataReader r) =>
        new(r.GetString(0), Fingerprints.FromBytes(r.GetFieldValue<byte[]>(1)), r.GetInt64(2));

    public async Task SavePastStateAsync(string operationId, long seq, string state, CancellationToken cancellationToken = default)
    {
        await using var cmd = db.CreateCommand(
            "INSERT INTO timeline_snapshots (operation_id, seq, state) VALUES ($1, $2, $3::jsonb) " +
            "ON CONFLICT (operation_id, seq) DO UPDATE SET state = EXCLUDED.state");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private static TimelineEvent ReadEvent(string operationId, NpgsqlDataReader r) => new(
        r.GetInt64(0),
        operationId,
        new DateTimeOffset(r.GetFieldValue<DateTime>(1), TimeSpan.Zero),
        r.IsDBNull(2) ? null : new DateTimeOffset(r.GetFieldValue<DateTime>(2), TimeSpan.Zero),
        r.GetString(3),
        r.IsDBNull(4) ? null : r.GetString(4),
        r.GetString(5),
        JsonSerializer.Deserialize<EventPayload>(r.GetString(6), DomainJson.Options)
            ?? throw new InvalidDataException($"Event {r.GetInt64(0)} of '{operationId}' has an empty payload."));
}
