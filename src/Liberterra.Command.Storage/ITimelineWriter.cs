using Liberterra.Command.Domain;

namespace Liberterra.Command.Storage;

/// <summary>
/// What the operation grain, the timeline's single writer, needs: append, and on activation read back what it committed
/// (the events and their idempotency keys). An append is all-or-nothing and durable when the task completes.
/// </summary>
public interface ITimelineWriter : ITimelineLog
{
    /// <summary>
    /// Appends a batch whose sequence numbers continue the operation's timeline without a gap.
    /// Throws <see cref="TimelineConflictException"/> if a sequence number or idempotency key is taken
    /// (another writer got there first) and nothing of the batch is stored.
    /// </summary>
    Task AppendAsync(string operationId, IReadOnlyList<TimelineEvent> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// The idempotency keys of the events after <paramref name="afterSeq"/> up to <paramref name="upToSeq"/>, with their
    /// fingerprints: the recent ones an activation keeps in memory (the unique constraint answers for the rest).
    /// </summary>
    IAsyncEnumerable<KeyRecord> ReadKeysAsync(string operationId, long afterSeq, long upToSeq, CancellationToken cancellationToken = default);

    /// <summary>Which of <paramref name="keys"/> the operation's timeline holds already, with their events and fingerprints.</summary>
    Task<IReadOnlyList<KeyRecord>> FindKeysAsync(string operationId, IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default);
}
