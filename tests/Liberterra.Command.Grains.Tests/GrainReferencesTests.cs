
namespace Liberterra.Command.Grains.Tests;

[Collection(ClusterCollection.Name)]
public class GrainReferencesTests(ClusterFixture fixture)
{
    [Fact]
    public async Task a_reference_built_from_the_id_is_the_grain_orleans_would_give_and_reaches_it()
    {
        var op = await fixture.NewOperation();
        var key = GrainKeys.Team(op, "AR-RAID-01");
        var fast = (GrainReference)(object)fixture.Grains.Reference<ITeamGrain>(key);
        var usual = (GrainReference)(object)fixture.Grains.GetGrain<ITeamGrain>(key);
        Assert.Equal(usual.GrainId, fast.GrainId);
        Assert.Equal(usual.InterfaceType, fast.InterfaceType);
        Assert.Equal(usual, fast);

        // Three interfaces, each with its own grain type: the per-interface resolution does not mix them up.
        Assert.Equal(fixture.Grains.GetGrain<IOperationGrain>(op).GetGrainId(), fixture.Grains.Reference<IOperationGrain>(op).GetGrainId());
        Assert.Equal(fixture.Grains.GetGrain<IHotspotRegionGrain>(GrainKeys.Region(op, "AR")).GetGrainId(),
            fixture.Grains.Reference<IHotspotRegionGrain>(GrainKeys.Region(op, "AR")).GetGrainId());
        Assert.Equal("AR-RAID-01", (await fixture.Grains.Reference<ITeamGrain>(key).GetState(0))!.Definition.Id);
        Assert.Equal(op, (await fixture.Grains.Reference<IOperationGrain>(op).GetState())!.Definition.Id);
        // Like GetGrain: no reference to a grain without a key.
        Assert.ThrowsAny<ArgumentException>(() => fixture.Grains.Reference<IOperationGrain>(" "));
        Assert.ThrowsAny<ArgumentException>(() => fixture.Grains.Reference<IOperationGrain>(null!));
    }
}
