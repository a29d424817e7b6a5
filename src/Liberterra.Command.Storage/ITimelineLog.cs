using Liberterra.Command.Domain;

namespace Liberterra.Command.Storage;

// The append-only operation timeline, the source of truth that every grain state is a fold of, seen from its two sides:
// ITimelineWriter is all that the single writer (the operation grain) needs, ITimelineReader what the read side (the
// API's queries and exports, time travel, the debrief's replay, the wall relay's read-back) needs. PostgresTimelineStore
// and InMemoryTimelineStore implement both; the host registers one instance under both.

/// <summary>What both sides do with the timeline: read it by sequence number, and keep a past state to start a fold from.</summary>
public interface ITimelineLog
{
    /// <summary>The operation's events with a sequence number above <paramref name="afterSeq"/>, in order.</summary>
    IAsyncEnumerable<TimelineEvent> ReadAsync(string operationId, long afterSeq, CancellationToken cancellationToken = default);

    /// <summary>One event, or null.</summary>
    Task<TimelineEvent?> ReadEventAsync(string operationId, long seq, CancellationToken cancellationToken = default);

    /// <summary>
    /// Keeps a past state (the fold up to <paramref name="seq"/>). A second write of the same seq replaces the first: the
    /// fold is the same, and a newer reducer's replaces an older one's (<see cref="Domain.OperationReducer.Version"/>).
    /// </summary>
    Task SavePastStateAsync(string operationId, long seq, string state, CancellationToken cancellationToken = default);
}
