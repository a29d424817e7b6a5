using Liberterra.Command.Domain;

namespace Liberterra.Command.Storage;

/// <summary>
/// The append-only operation timeline: the source of truth that every grain state is a fold of.
/// An append is all-or-nothing and durable when the task completes.
/// </summary>
public interface ITimelineStore
{
    /// <summary>
    /// Appends a batch whose sequence numbers continue the operation's timeline without a gap.
    /// Throws <see cref="TimelineConflictException"/> if a sequence number or idempotency key is taken
    /// (another writer got there first) and nothing of the batch is stored.
    /// </summary>
    Task AppendAsync(string operationId, IReadOnlyList<TimelineEvent> events, CancellationToken cancellationToken = default);

    /// <summary>The operation's events with a sequence number above <paramref name="afterSeq"/>, in order.</summary>
    IAsyncEnumerable<TimelineEvent> ReadAsync(string operationId, long afterSeq, CancellationToken cancellationToken = default);

    /// <summary>A team's events with a sequence number above <paramref name="afterSeq"/>, in order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<TimelineEvent>> ReadTeamAsync(string operationId, string teamId, long afterSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>One event, or null.</summary>
    Task<TimelineEvent?> ReadEventAsync(string operationId, long seq, CancellationToken cancellationToken = default);

    /// <summary>The idempotency keys of events up to <paramref name="upToSeq"/>, with their fingerprints.</summary>
    IAsyncEnumerable<KeyRecord> ReadKeysAsync(string operationId, long upToSeq, CancellationToken cancellationToken = default);

    /// <summary>The latest events of the given kinds, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<TimelineEvent>> ReadLatestAsync(
        string operationId, IReadOnlyList<string> kinds, int limit, CancellationToken cancellationToken = default);

    /// <summary>The operation's events with <paramref name="afterSeq"/> &lt; seq ≤ <paramref name="upToSeq"/>, in order.</summary>
    IAsyncEnumerable<TimelineEvent> ReadRangeAsync(string operationId, long afterSeq, long upToSeq, CancellationToken cancellationToken = default);

    /// <summary>A page of events matching <paramref name="query"/>, in sequence order.</summary>
    Task<IReadOnlyList<TimelineEvent>> QueryAsync(string operationId, TimelineQuery query, CancellationToken cancellationToken = default);

    /// <summary>The last sequence number committed at or before <paramref name="at"/> (server time); 0 if none.</summary>
    Task<long> SeqAtAsync(string operationId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The stored past state with the highest seq at or below <paramref name="seq"/>, as JSON, if any.</summary>
    Task<(long Seq, string State)?> ReadPastStateAsync(string operationId, long seq, CancellationToken cancellationToken = default);

    /// <summary>Keeps a past state (the fold up to <paramref name="seq"/>); a second write of the same seq is ignored.</summary>
    Task SavePastStateAsync(string operationId, long seq, string state, CancellationToken cancellationToken = default);

    /// <summary>Marks event <paramref name="seq"/> as significant (or, with <paramref name="withdrawn"/>, withdraws the mark).</summary>
    Task<SignificantMark> MarkAsync(string operationId, long seq, string title, string markedBy, bool withdrawn, CancellationToken cancellationToken = default);

    /// <summary>The events marked significant and not withdrawn, in sequence order (the latest mark of each).</summary>
    Task<IReadOnlyList<SignificantMark>> ListMarksAsync(string operationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many events fall in each of <paramref name="buckets"/> equal spans of server time from
    /// <paramref name="from"/> to <paramref name="to"/> (the last span includes <paramref name="to"/>).
    /// </summary>
    Task<int[]> HistogramAsync(string operationId, DateTimeOffset from, DateTimeOffset to, int buckets, CancellationToken cancellationToken = default);

    /// <summary>The ids of every operation that has a timeline.</summary>
    Task<IReadOnlyList<string>> ListOperationsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Rescues and arrests per team in <paramref name="buckets"/> consecutive buckets of <paramref name="bucket"/> from
    /// <paramref name="from"/>, by server time: reports' counts plus corrections' deltas. Only non-zero cells are returned.
    /// </summary>
    Task<IReadOnlyList<ActivityCell>> ReadActivityAsync(
        string operationId, DateTimeOffset from, TimeSpan bucket, int buckets, CancellationToken cancellationToken = default);
}

/// <summary>
/// Which events to list: those after <paramref name="After"/> (a sequence number), at most <paramref name="Limit"/>,
/// optionally within [<paramref name="From"/>, <paramref name="To"/>) by server time, of some teams and some kinds.
/// </summary>
public sealed record TimelineQuery(
    long After,
    int Limit,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    IReadOnlyCollection<string>? Teams = null,
    IReadOnlyCollection<string>? Kinds = null)
{
    public bool Matches(TimelineEvent e) =>
        e.Seq > After && (From is null || e.ServerTime >= From) && (To is null || e.ServerTime < To)
        && (Teams is null || (e.TeamId is not null && Teams.Contains(e.TeamId))) && (Kinds is null || Kinds.Contains(e.Kind));
}

/// <summary>A mark on the significant-events lane.</summary>
public sealed record SignificantMark(long Seq, string Title, string MarkedBy, DateTimeOffset MarkedAt, bool Withdrawn);

/// <summary>What one team's reports and corrections added in one time bucket.</summary>
public readonly record struct ActivityCell(string TeamId, int Bucket, Tally Counts);

/// <summary>An idempotency key already in the timeline: which event it made and the fingerprint of its request.</summary>
public readonly record struct KeyRecord(string Key, UInt128 Fingerprint, long Seq);

/// <summary>The append lost a race with another writer; the caller's view of the timeline is stale.</summary>
public sealed class TimelineConflictException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The database refused what a write holds (text it cannot encode or store, a value out of its range): nothing of that
/// write was stored, and the same content will be refused again, so retrying it is pointless. The write path answers
/// the command that holds it with a 422 and commits the rest of its batch without it.
/// </summary>
public sealed class TimelineContentRefusedException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Whether <paramref name="exception"/> is the database refusing a value for its content.</summary>
    public static bool IsContentRefusal(Exception exception) => exception switch
    {
        TimelineContentRefusedException => true,
        // Class 22 is "data exception" (invalid byte sequence 0x00, untranslatable character, value out of range);
        // 54000 "program limit exceeded" (a value too large for an index or a jsonb).
        Npgsql.PostgresException p => p.SqlState.StartsWith("22", StringComparison.Ordinal) || p.SqlState == "54000",
        // Npgsql encodes text strictly: a lone surrogate cannot become UTF-8 and fails before anything is sent.
        System.Text.EncoderFallbackException => true,
        _ => exception.InnerException is { } inner && IsContentRefusal(inner),
    };
}
