using System.Runtime.CompilerServices;
using Liberterra.Command.Domain;
using Npgsql;

namespace Liberterra.Command.Storage;

// The read side's queries (ITimelineReader beyond what both sides share): what the API, exports, time travel and the
// debrief ask of the timeline. The writer's half, and the statements both halves share, are in PostgresTimelineStore.cs.
public sealed partial class PostgresTimelineStore
{
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
        // On a connection of its own, held until the answer is read: see ForgetAfterRefusal.
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand(
            "INSERT INTO significant_events (operation_id, seq, title, marked_by, withdrawn) VALUES ($1, $2, $3, $4, $5) RETURNING marked_at",
            connection);
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
        catch (Exception e) when (TimelineContentRefusedException.IsContentRefusal(e))
        {
            ForgetAfterRefusal();
            throw;
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
        string operationId, IReadOnlyList<string> kinds, int limit, long upToSeq = long.MaxValue, CancellationToken cancellationToken = default)
    {
        await using var cmd = db.CreateCommand(
            $"SELECT {Columns} FROM timeline_events WHERE operation_id = $1 AND kind = ANY($2) AND seq <= $4 ORDER BY seq DESC LIMIT $3");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operationId });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. kinds] });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upToSeq });
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
}
