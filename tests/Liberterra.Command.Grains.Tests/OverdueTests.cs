using Liberterra.Command.Domain;
using Liberterra.Command.Testing;
using Microsoft.Extensions.DependencyInjection;

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
        Assert.Equal(state.Teams["AR-RAID-01"].OverdueSince, (await fixture.Grains.GetGrain<ITeamGrain>(GrainKeys.Team(op, "AR-RAID-01")).GetState(flag.Seq))!.OverdueSince);

        Assert.Null((await fixture.Report(op, "AR-RAID-01", "overdue-key-003", new Tally(1, 0, 0, 0))).Error);
        Assert.Equal(0, (await grain.GetState())!.TeamsOverdue);
        fixture.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(1, await grain.CheckOverdue());
    }
}

/// <summary>The durable check-in reminder exists exactly while some team may fall silent.</summary>
[Collection(ClusterCollection.Name)]
public class CheckInReminderTests(ClusterFixture fixture)
{
    private async Task<bool> HasReminder(string op)
    {
        var table = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        var id = fixture.Grains.GetGrain<IOperationGrain>(op).GetGrainId();
        return await table.ReadRow(id, OperationGrain.CheckInReminder) is not null;
    }

    [Fact]
    public async Task it_is_set_while_a_team_may_fall_silent_and_removed_when_none_can()
    {
        var op = await fixture.NewOperation();
        var grain = fixture.Grains.GetGrain<IOperationGrain>(op);
        Assert.False(await HasReminder(op));    // defined, nobody reporting yet: nothing to watch

        // A team reports and is active: it may now fall silent, so the reminder must bring the grain back (any silo).
        Assert.Null((await fixture.Report(op, "AR-RAID-01", "reminder-key-01", Tally.Zero, TeamStatus.Briefed)).Error);
        await Wait.Until(() => HasReminder(op), set => set, TimeSpan.FromSeconds(10), "the reminder to be registered");

        // Flagged overdue: nothing left to flag until it reports again; the next tick removes the reminder.
        fixture.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(1, await grain.CheckOverdue());
        await grain.AsReference<IRemindable>().ReceiveReminder(OperationGrain.CheckInReminder, default);
        Assert.False(await HasReminder(op));

        // Reporting again makes it awaited again.
        Assert.Null((await fixture.Report(op, "AR-RAID-01", "reminder-key-02", new Tally(1, 0, 0, 0))).Error);
        await Wait.Until(() => HasReminder(op), set => set, TimeSpan.FromSeconds(10), "the reminder to be registered again");

        // Stood down: an aborted team is not awaited, and the reminder goes at the next tick.
        Assert.Null((await fixture.Report(op, "AR-RAID-01", "reminder-key-03", Tally.Zero, TeamStatus.Aborted)).Error);
        await grain.AsReference<IRemindable>().ReceiveReminder(OperationGrain.CheckInReminder, default);
        Assert.False(await HasReminder(op));
    }
}
