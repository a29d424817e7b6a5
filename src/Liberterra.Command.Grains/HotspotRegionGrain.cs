using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains;

/// <summary>A hotspot region's live view, fed by its operation after every commit that touched it.</summary>
public sealed class HotspotRegionGrain : Grain, IHotspotRegionGrain
{
    private RegionState? _state;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (operationId, regionId) = GrainKeys.Split(this.GetPrimaryKeyString());
        _state = await GrainFactory.GetGrain<IOperationGrain>(operationId).GetRegion(regionId);
    }

    public Task<RegionState?> GetState() => Task.FromResult(_state);

    public Task Update(RegionState state)
    {
        if (_state is null || state.LastSeq >= _state.LastSeq)
            _state = state;
        return Task.CompletedTask;
    }
}
