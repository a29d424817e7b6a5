using System.Text.Json;
using Liberterra.Command.Domain;

namespace Liberterra.Command.Storage;

/// <summary>
/// The operation as it was after any event: the nearest stored past state at or before it, plus the events after
/// that, folded by the same <see cref="OperationReducer"/> as the live path. The operation grain stores a past state
/// with each of its snapshots (every <c>SnapshotEvery</c> events), and a fold that passes <see cref="KeepEvery"/>
/// events stores one too, so a query folds a bounded number of events once the past states exist.
/// </summary>
public sealed class TimeTravel(ITimelineReader timeline)
{
    public int KeepEvery { get; init; } = 1000;

    /// <summary>The timeline it reads.</summary>
    public ITimelineReader Timeline => timeline;

    /// <summary>The state after event <paramref name="seq"/>, or null before the operation was defined.</summary>
    public async Task<OperationState?> AtSeqAsync(string operationId, long seq, CancellationToken cancellationToken = default)
    {
        var past = await timeline.ReadPastStateAsync(operationId, seq, cancellationToken);
        var state = past is { } p ? JsonSerializer.Deserialize<OperationState>(p.State, DomainJson.Options) : null;
        // A past state folded by an older reducer lacks what this one keeps: fold from the start instead, and put this
        // reducer's fold in its place, so that the next query near it starts from there.
        long? replace = null;
        if (state is { IsCurrent: false } stale)
        {
            replace = stale.LastSeq;
            state = null;
        }

        var folded = 0;
        await foreach (var e in timeline.ReadRangeAsync(operationId, state?.LastSeq ?? 0, seq, cancellationToken))
        {
            state = OperationReducer.Apply(state, e);
            if (++folded % KeepEvery == 0 || e.Seq == replace)
                await timeline.SavePastStateAsync(operationId, e.Seq, Serialize(state), cancellationToken);
        }

        return state;
    }

    /// <summary>The state as of <paramref name="at"/> (server time): after the last event committed by then.</summary>
    public async Task<OperationState?> AtTimeAsync(string operationId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var seq = await timeline.SeqAtAsync(operationId, at, cancellationToken);
        return seq == 0 ? null : await AtSeqAsync(operationId, seq, cancellationToken);
    }

    public static string Serialize(OperationState state) => JsonSerializer.Serialize(state, DomainJson.Options);
}
