using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains;

/// <summary>A hotspot region's live view, fed one-way by its operation after every commit that touched it.</summary>
public sealed class HotspotRegionGrain : ViewGrain<RegionState>, IHotspotRegionGrain
{
    protected override Task<RegionState?> Fetch() => Operation.GetRegion(Id);

    protected override long LastSeqOf(RegionState state) => state.LastSeq;
}
