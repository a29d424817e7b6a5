using Liberterra.Command.Domain;

namespace Liberterra.Command.Storage;

/// <summary>The read side of the timeline: queries, exports, time travel, significant marks.</summary>
public interface ITimelineReader : ITimelineLog
{
    /// <summary>The operation's events with <paramref name="afterSeq"/> &lt; seq ≤ <paramref name="upToSeq"/>, in order.</summary>
    IAsyncEnumerable<TimelineEvent> ReadRangeAsync(string operationId, long afterSeq, long upToSeq, CancellationToken cancellationToken = default);

    /// <summary>A team's events with a sequence number above <paramref name="afterSeq"/>, in order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<TimelineEvent>> ReadTeamAsync(string operationId, string teamId, long afterSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>The latest events of the given kinds up to <paramref name="upToSeq"/>, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<TimelineEvent>> ReadLatestAsync(
        string operationId, IReadOnlyList<string> kinds, int limit, long upToSeq = long.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>A page of events matching <paramref name="query"/>, in sequence order.</summary>
    Task<IReadOnlyList<TimelineEvent>> QueryAsync(string operationId, TimelineQuery query, CancellationToken cancellationToken = default);

    /// <summary>The last sequence number committed at or before <paramref name="at"/> (server time); 0 if none.</summary>
    Task<long> SeqAtAsync(string operationId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The stored past state with the highest seq at or below <paramref name="seq"/>, as JSON, if any.</summary>
    Task<(long Seq, string State)?> ReadPastStateAsync(string operationId, long seq, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many events fall in each of <paramref name="buckets"/> equal spans of server time from
    /// <paramref name="from"/> to <paramref name="to"/> (the last span includes <paramref name="to"/>).
    /// </summary>
    Task<int[]> HistogramAsync(string operationId, DateTimeOffset from, DateTimeOffset to, int buckets, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rescues and arrests per team in <paramref name="buckets"/> consecutive buckets of <paramref name="bucket"/> from
    /// <paramref name="from"/>, by server time: reports' counts plus corrections' deltas. Only non-zero cells are returned.
    /// </summary>
    Task<IReadOnlyList<ActivityCell>> ReadActivityAsync(
        string operationId, DateTimeOffset from, TimeSpan bucket, int buckets, CancellationToken cancellationToken = default);

    /// <summary>The ids of every operation that has a timeline.</summary>
    Task<IReadOnlyList<string>> ListOperationsAsync(CancellationToken cancellationToken = default);

    /// <summary>Marks event <paramref name="seq"/> as significant (or, with <paramref name="withdrawn"/>, withdraws the mark).</summary>
    Task<SignificantMark> MarkAsync(string operationId, long seq, string title, string markedBy, bool withdrawn, CancellationToken cancellationToken = default);

    /// <summary>The events marked significant and not withdrawn, in sequence order (the latest mark of each).</summary>
    Task<IReadOnlyList<SignificantMark>> ListMarksAsync(string operationId, CancellationToken cancellationToken = default);
}
