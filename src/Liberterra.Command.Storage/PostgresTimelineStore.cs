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
public sealed class PostgresTimelineStore(NpgsqlDataSource db) : ITimelineWriter, ITimelineReader
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

        await using var cmd = db.CreateCommand(n == 1 ? AppendOneSql : AppendSql);
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

    private static async Task<bool> Execute(NpgsqlCommand cmd, string operationId, long[] seqs, CancellationToken cancellationToken)
    {
        int inserted;
        try
        {
            inserted = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new TimelineConflictException(
                $"Appending {seqs[0]}..{seqs[^1]} to '{operationId}' conflicts with stored events ({e.ConstraintName}).", e);
        }
        catch (Exception e) when (TimelineContentRefusedException.IsContentRefusal(e))
        {
            throw new TimelineContentRefusedException(
                $"The database refused the content of {seqs[0]}..{seqs[^1]} of '{operationId}': {(e as PostgresException)?.SqlState ?? e.GetType().Name}.", e);
        }

        if (inserted != seqs.Length)
            throw new TimelineConflictException(
                $"The timeline of '{operationId}' does not end at {seqs[0] - 1}: another writer appended to it.");
        return true;
    }

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

    public async Task<IReadOnlyList<TimelineEvent>> ReadTeamAsync(
        string operationId, string teamId, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        await using var cmd = db.CreateCommand(
            $"SELECT {Columns} FROM timeline_events WHERE operation_id = $1 AND team_id = $2 AND seq > $3 ORDER BY seq LIMIT $4");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = teamId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterSeq });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var events = new List<TimelineEvent>();
        while (await reader.ReadAsync(cancellationToken)) events.Add(ReadEvent(operationId, reader));
        return events;
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
        string operationId, long upToSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand(
            "SELECT idempotency_key, fingerprint, seq FROM timeline_events WHERE operation_id = $1 AND seq <= $2", connection);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upToSeq });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new KeyRecord(reader.GetString(0), Fingerprints.FromBytes(reader.GetFieldValue<byte[]>(1)), reader.GetInt64(2));
        }
    }

    public async Task<IReadOnlyList<string>> ListOperationsAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = db.CreateCommand("SELECT operation_id FROM timeline_heads ORDER BY operation_id");
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetString(0));
        return ids;
    }

    public async IAsyncEnumerable<TimelineEvent> ReadRangeAsync(
        string operationId, long afterSeq, long upToSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var cmd = db.CreateCommand(
            $"SELECT {Columns} FROM timeline_events WHERE operation_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterSeq });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upToSeq });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) yield return ReadEvent(operationId, reader);
    }

    public async Task<IReadOnlyList<TimelineEvent>> QueryAsync(string operationId, TimelineQuery query, CancellationToken cancellationToken = default)
    {
        var sql = new System.Text.StringBuilder($"SELECT {Columns} FROM timeline_events WHERE operation_id = $1 AND seq > $2");
        await using var cmd = db.CreateCommand();
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = query.After });
        void Add<T>(string condition, T value)
        {
            cmd.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
            sql.Append(" AND ").Append(condition.Replace("@", $"${cmd.Parameters.Count}", StringComparison.Ordinal));
        }

        if (query.From is { } from) Add("server_time >= @", from.UtcDateTime);
        if (query.To is { } to) Add("server_time < @", to.UtcDateTime);
        if (query.Teams is { } teams) Add("team_id = ANY(@)", teams.ToArray());
        if (query.Kinds is { } kinds) Add("kind = ANY(@)", kinds.ToArray());
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit });
        sql.Append($" ORDER BY seq LIMIT ${cmd.Parameters.Count}");
        cmd.CommandText = sql.ToString();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var events = new List<TimelineEvent>();
        while (await reader.ReadAsync(cancellationToken)) events.Add(ReadEvent(operationId, reader));
        return events;
    }

    public async Task<long> SeqAtAsync(string operationId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        // The timeline's seq and server_time grow together (one writer per operation stamps both): the last instant at
        // or before `at` is one probe of the (operation_id, server_time) index, and the events sharing it a few more.
        // (max(seq) with a time filter would walk the primary key back from the head: half a million rows at 1M events.)
        await using var cmd = db.CreateCommand("""
            SELECT coalesce(max(seq), 0) FROM timeline_events
            WHERE operation_id = $1 AND server_time = (
                SELECT server_time FROM timeline_events WHERE operation_id = $1 AND server_time <= $2
                ORDER BY server_time DESC LIMIT 1)
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = at.UtcDateTime });
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<(long Seq, string State)?> ReadPastStateAsync(string operationId, long seq, CancellationToken cancellationToken = default)
    {
        await using var cmd = db.CreateCommand(
            "SELECT seq, state FROM timeline_snapshots WHERE operation_id = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    public async Task SavePastStateAsync(string operationId, long seq, string state, CancellationToken cancellationToken = default)
    {
        await using var cmd = db.CreateCommand(
            "INSERT INTO timeline_snapshots (operation_id, seq, state) VALUES ($1, $2, $3::jsonb) ON CONFLICT DO NOTHING");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int[]> HistogramAsync(string operationId, DateTimeOffset from, DateTimeOffset to, int buckets, CancellationToken cancellationToken = default)
    {
        // One pass over the (operation_id, server_time) index; width_bucket puts `to` itself in bucket n + 1.
        await using var cmd = db.CreateCommand("""
            SELECT least(width_bucket(extract(epoch FROM server_time), extract(epoch FROM $2::timestamptz), extract(epoch FROM $3::timestamptz), $4), $4) AS b,
                   count(*)
            FROM timeline_events WHERE operation_id = $1 AND server_time >= $2 AND server_time <= $3
            GROUP BY 1
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = from.UtcDateTime });
        cmd.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = (to > from ? to : from.AddTicks(10)).UtcDateTime });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = buckets });
        var counts = new int[buckets];
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var bucket = reader.GetInt32(0);
            if (bucket >= 1 && bucket <= buckets) counts[bucket - 1] += (int)reader.GetInt64(1);
        }

        return counts;
    }

    public async Task<SignificantMark> MarkAsync(string operationId, long seq, string title, string markedBy, bool withdrawn, CancellationToken cancellationToken = default)
    {
        await using var cmd = db.CreateCommand(
            "INSERT INTO significant_events (operation_id, seq, title, marked_by, withdrawn) VALUES ($1, $2, $3, $4, $5) RETURNING marked_at");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = title });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = markedBy });
        cmd.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = withdrawn });
        try
        {
            var at = (DateTime)(await cmd.ExecuteScalarAsync(cancellationToken))!;
            return new SignificantMark(seq, title, markedBy, new DateTimeOffset(at, TimeSpan.Zero), withdrawn);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new ArgumentOutOfRangeException(nameof(seq), $"No event {seq} in '{operationId}'.");
        }
    }

    private const string ListMarksSql = """
        SELECT seq, title, marked_by, marked_at, withdrawn FROM (
            SELECT DISTINCT ON (seq) seq, title, marked_by, marked_at, withdrawn
            FROM significant_events WHERE operation_id = $1 ORDER BY seq, id DESC) latest
        WHERE NOT withdrawn ORDER BY seq
        """;

    public async Task<IReadOnlyList<SignificantMark>> ListMarksAsync(string operationId, CancellationToken cancellationToken = default)
    {
        await using var cmd = db.CreateCommand(ListMarksSql);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var marks = new List<SignificantMark>();
        while (await reader.ReadAsync(cancellationToken))
            marks.Add(new SignificantMark(reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                new DateTimeOffset(reader.GetFieldValue<DateTime>(3), TimeSpan.Zero), reader.GetBoolean(4)));
        return marks;
    }

    public async Task<IReadOnlyList<TimelineEvent>> ReadLatestAsync(
        string operationId, IReadOnlyList<string> kinds, int limit, CancellationToken cancellationToken = default)
    {
        await using var cmd = db.CreateCommand(
            $"SELECT {Columns} FROM timeline_events WHERE operation_id = $1 AND kind = ANY($2) ORDER BY seq DESC LIMIT $3");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. kinds] });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var events = new List<TimelineEvent>();
        while (await reader.ReadAsync(cancellationToken)) events.Add(ReadEvent(operationId, reader));
        return events;
    }

    // Reports carry counts, corrections carry signed deltas; both are in the payload (DomainJson's camelCase names).
    private const string ActivitySql = """
        SELECT team_id, floor(extract(epoch FROM server_time - $2) / $3)::int AS bucket,
               sum(coalesce((payload #>> '{report,counts,children}')::int, (payload #>> '{correction,delta,children}')::int, 0)),
               sum(coalesce((payload #>> '{report,counts,women}')::int, (payload #>> '{correction,delta,women}')::int, 0)),
               sum(coalesce((payload #>> '{report,counts,men}')::int, (payload #>> '{correction,delta,men}')::int, 0)),
               sum(coalesce((payload #>> '{report,counts,arrested}')::int, (payload #>> '{correction,delta,arrested}')::int, 0))
        FROM timeline_events
        WHERE operation_id = $1 AND server_time >= $2 AND server_time < $4 AND team_id IS NOT NULL
          AND kind IN ('FieldReported', 'ReportCorrected')
        GROUP BY 1, 2
        """;

    public async Task<IReadOnlyList<ActivityCell>> ReadActivityAsync(
        string operationId, DateTimeOffset from, TimeSpan bucket, int buckets, CancellationToken cancellationToken = default)
    {
        await using var cmd = db.CreateCommand(ActivitySql);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = from.UtcDateTime });
        cmd.Parameters.Add(new NpgsqlParameter<double> { TypedValue = bucket.TotalSeconds });
        cmd.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = (from + bucket * buckets).UtcDateTime });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var cells = new List<ActivityCell>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var counts = new Tally((int)reader.GetInt64(2), (int)reader.GetInt64(3), (int)reader.GetInt64(4), (int)reader.GetInt64(5));
            if (!counts.IsZero) cells.Add(new ActivityCell(reader.GetString(0), reader.GetInt32(1), counts));
        }

        return cells;
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
