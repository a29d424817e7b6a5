using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains.Tests;

[Collection(ClusterCollection.Name)]
public class OverdueTests(ClusterFixture fixture)
{
    [Fact]
    public async Task a_silent_active_team_is_flagged_once_and_its_next_report_clears_the_flag()
    {
        var op = await fixture.NewOperation();
        var grain = fixture.Grains.GetGrain<IOperationGrain>(op);
        Assert.Null((await fixture.Report(op, "AR-RAID-01", "overdue-key-001", Tally.Zero, TeamStatus.Briefed)).Error);
        Assert.Null((await fixture.Report(op, "MK-RAID-01", "overdue-key-002", Tally.Zero, TeamStatus.Aborted)).Error);

        fixture.Clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(0, await grain.CheckOverdue());
        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await grain.CheckOverdue());
        Assert.Equal(0, await grain.CheckOverdue());

        var state = (await grain.GetState())!;
        Assert.NotNull(state.Teams["AR-RAID-01"].OverdueSince);
        Assert.Null(state.Teams["MK-RAID-01"].OverdueSince);
        Assert.Null(state.Teams["AR-RAID-02"].OverdueSince);
        Assert.Equal(1, state.TeamsOverdue);
        var flag = (await fixture.Timeline.ReadAsync(op, 0).ToListAsync()).Single(e => e.Payload is CheckInOverdue);
        Assert.Equal(("AR-RAID-01", OperationGrain.SystemActor), (flag.TeamId, flag.Actor));
        Assert.Equal(state.Teams["AR-RAID-01"].OverdueSince, (await fixture.Grains.GetGrain<ITeamGrain>(GrainKeys.Team(op, "AR-RAID-01")).GetState())!.OverdueSince);

        Assert.Null((await fixture.Report(op, "AR-RAID-01", "overdue-key-003", new Tally(1, 0, 0, 0))).Error);
        Assert.Equal(0, (await grain.GetState())!.TeamsOverdue);
        fixture.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(1, await grain.CheckOverdue());
    }
}
