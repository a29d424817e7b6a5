using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains;

/// <summary>A hotspot region's live view, fed one-way by its operation after every commit that touched it.</summary>
public sealed class HotspotRegionGrain : Grain, IHotspotRegionGrain
{
    private RegionState? _state;

    private IOperationGrain Operation => GrainFactory.GetGrain<IOperationGrain>(GrainKeys.Split(this.GetPrimaryKeyString()).OperationId);

    private string RegionId => GrainKeys.Split(this.GetPrimaryKeyString()).Id;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        Keep(await Operation.GetRegion(RegionId));

    public async Task<RegionState?> GetState(long atLeastSeq)
    {
        // Behind what the reader wrote (its update is still on the way), or a region defined since: ask the writer.
        if (_state is null || _state.LastSeq < atLeastSeq) Keep(await Operation.GetRegion(RegionId));
        return _state;
    }

    public Task Update(RegionState state)
    {
        Keep(state);
        return Task.CompletedTask;
    }

    private void Keep(RegionState? state)
    {
        if (state is not null && (_state is null || state.LastSeq >= _state.LastSeq)) _state = state;
    }
}
