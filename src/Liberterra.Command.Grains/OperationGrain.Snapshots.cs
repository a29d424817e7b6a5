using Liberterra.Command.Domain;
using Liberterra.Command.Storage;
using Orleans.Storage;

namespace Liberterra.Command.Grains;

/// <summary>Snapshots: a cache of the fold, written every so many events and on deactivation; the timeline stays the truth.</summary>
public sealed partial class OperationGrain
{
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (!_stale && _committed is not null && _committed.LastSeq > _snapshotSeq)
        {
            try
            {
                // Bounded: only a cache, never worth holding the operation in deactivation (DeactivationSnapshotWait).
                await WriteAfterPending(_committed).WaitAsync(options.Value.DeactivationSnapshotWait, cancellationToken);
            }
            catch (TimeoutException)
            {
                LogSnapshotSkipped(OperationId, options.Value.DeactivationSnapshotWait.TotalSeconds);
            }
            catch (Exception ex)
            {
                LogSnapshotFailed(ex, OperationId);
            }
        }
    }


    private async Task WriteAfterPending(OperationState state)
    {
        if (_snapshotting is not null) await _snapshotting;
        await WriteSnapshot(state);
    }

    private void MaybeSnapshot()
    {
        var state = _committed!;
        var since = state.LastSeq - _snapshotSeq;
        if (since >= options.Value.SnapshotEvery && (_snapshotting is null || _snapshotting.IsCompleted))
            _snapshotting = WriteSnapshotLogged(state);
    }

    private async Task WriteSnapshotLogged(OperationState state)
    {
        try
        {
            await WriteSnapshot(state);
        }
        catch (Exception ex)
        {
            // Only a cache: the next activation folds more events instead.
            LogSnapshotFailed(ex, OperationId);
        }
    }

    private async Task WriteSnapshot(OperationState state)
    {
        snapshot.State.State = state;
        try
        {
            await snapshot.WriteStateAsync();
        }
        catch (InconsistentStateException ex)
        {
            // The stored snapshot changed since this activation read it: another activation of this grain wrote it
            // (Orleans can briefly run two while the cluster's membership changes). Without the stored version every
            // later write would fail the same way, so read it and write over it unless it is already newer. Either
            // snapshot is a fold of the timeline, which stays the truth (appends conflict on the sequence number).
            LogSnapshotConflict(ex, OperationId);
            await snapshot.ReadStateAsync();
            if ((snapshot.State.State?.LastSeq ?? 0) < state.LastSeq)
            {
                snapshot.State.State = state;
                await snapshot.WriteStateAsync();
            }
        }

        // The same state kept as a past state too: time travel starts its folds from the nearest one.
        await timeline.SavePastStateAsync(OperationId, state.LastSeq, TimeTravel.Serialize(state));
        _snapshotSeq = state.LastSeq;
        LogSnapshotWritten(OperationId, state.LastSeq);
    }
}
