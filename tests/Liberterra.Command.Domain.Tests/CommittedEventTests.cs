
namespace Liberterra.Command.Domain.Tests;

/// <summary>What a committed event changes: the one function the grain, the relay's read-back and the replay share.</summary>
public class CommittedEventTests
{
    private static readonly TimelineEvent[] Events =
    [
        Sample.Defined(Sample.TwoRegions()),
        Sample.Report(2, "AR-RAID-01", new Tally(4, 2, 0, 3), TeamStatus.Briefed),
        Sample.Report(3, "MK-RAID-01", new Tally(0, 5, 1, 2)),
        Sample.Corrected(4, "AR-RAID-01", 2, new Tally(-1, 0, 0, 0)),
    ];

    [Fact]
    public void a_report_carries_its_team_and_region_after_it_and_the_operation_s_totals()
    {
        var after = OperationReducer.Fold(null, Events.Take(3))!;
        var c = CommittedEvent.Of(Events[2], after);

        Assert.Same(Events[2], c.Event);
        Assert.Equal("MK-RAID-01", c.Team!.Id);
        Assert.Equal(new Tally(0, 5, 1, 2), c.Team.Totals);
        Assert.Equal("MK", c.Region!.Id);
        Assert.Equal(new Tally(0, 5, 1, 2), c.Region.Totals);
        Assert.Equal(new Tally(4, 7, 1, 5), c.Totals);
        Assert.Equal((after.TeamsActive, after.TeamsCompleted, after.TeamsOverdue), (c.TeamsActive, c.TeamsCompleted, c.TeamsOverdue));
    }

    [Fact]
    public void the_definition_names_no_team_or_region()
    {
        var after = OperationReducer.Fold(null, Events.Take(1))!;
        var c = CommittedEvent.Of(Events[0], after);
        Assert.Null(c.Team);
        Assert.Null(c.Region);
        Assert.Equal(Tally.Zero, c.Totals);
    }

    private static string Json(CommittedEvent c) => System.Text.Json.JsonSerializer.Serialize(c, DomainJson.Options);

    [Fact]
    public void replaying_the_timeline_says_what_the_writer_said_at_each_commit()
    {
        // The writer: the state after each event, as the grain has it when it publishes.
        var written = new List<CommittedEvent>();
        OperationState? state = null;
        foreach (var e in Events)
        {
            state = OperationReducer.Apply(state, e);
            written.Add(CommittedEvent.Of(e, state));
        }

        // A reader starting from the state after the first event (a snapshot) and folding the rest.
        var read = CommittedEvent.Replay(OperationReducer.Fold(null, Events.Take(1)), Events.Skip(1)).ToList();
        // Same content (the states hold immutable collections, compared by value through their JSON form).
        Assert.Equal(written.Skip(1).Select(Json), read.Select(Json));
        Assert.Equal(new Tally(3, 7, 1, 5), read[^1].Totals);
        Assert.Equal(new Tally(3, 2, 0, 3), read[^1].Team!.Totals);
    }
}
