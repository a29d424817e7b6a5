using System.Text.Json;

namespace Liberterra.Command.Domain.Tests;

/// <summary>Orders and distress calls through the one reducer, the rules and the committed events.</summary>
public class OrdersTests
{
    private static TimelineEvent E(long seq, string? team, EventPayload payload, string actor = "someone") =>
        new(seq, "op-1", Sample.T0.AddMinutes(seq), null, actor, team, $"key-{seq:D8}", payload);

    private static OperationState Fold(params TimelineEvent[] events) => OperationReducer.Fold(null, events)!;

    [Fact]
    public void an_order_to_a_region_reaches_the_teams_it_has_then_and_each_answer_is_kept_once()
    {
        var d = Sample.TwoRegions();
        var order = new Order(OrderKind.Hold, "Hold", OrderTarget.Region("AR"), null, null, DueInMinutes: 30);
        var s = Fold(Sample.Defined(d), E(2, null, new OrderIssued(order), "commander"));
        var issued = s.Orders[2];
        Assert.Equal(["AR-RAID-01", "AR-RAID-02"], issued.Recipients);
        Assert.Equal(Sample.T0.AddMinutes(2).AddMinutes(30), issued.DueBy);
        Assert.True(issued.Open);

        // A team added to the region later was not given the order.
        var bigger = d with { Teams = d.Teams.Add(new TeamDefinition("AR-RAID-03", TeamKind.RaidTeam, "AR", "Call 3", "Police")) };
        s = OperationReducer.Apply(s, Sample.Defined(bigger, 3));
        Assert.Equal(["AR-RAID-01", "AR-RAID-02"], s.Orders[2].Recipients);

        s = OperationReducer.Apply(s, E(4, "AR-RAID-01", new OrderAnswered(2, OrderAnswer.Acknowledged, null), "lead"));
        Assert.True(s.Orders[2].Open);
        Assert.Equal(["AR-RAID-02"], s.Orders[2].Unanswered);
        Assert.NotNull(OperationRules.ValidateAnswer(s, "AR-RAID-01", new OrderAnswered(2, OrderAnswer.Acknowledged, null), null, Sample.T0));
        Assert.Equal(DomainErrorKind.NotFound, OperationRules.ValidateAnswer(s, "MK-RAID-01", new OrderAnswered(2, OrderAnswer.Acknowledged, null), null, Sample.T0)!.Kind);
        Assert.Equal(DomainErrorKind.Validation, OperationRules.ValidateAnswer(s, "AR-RAID-02", new OrderAnswered(2, OrderAnswer.Unable, " "), null, Sample.T0)!.Kind);

        s = OperationReducer.Apply(s, E(5, "AR-RAID-02", new OrderAnswered(2, OrderAnswer.Unable, "Vehicle down"), "lead"));
        Assert.False(s.Orders[2].Open);
        Assert.Equal(OrderAnswer.Unable, s.Orders[2].Answers["AR-RAID-02"].Answer);
        // An answer is a sign of life: the team's check-in time moves on.
        Assert.Equal(Sample.T0.AddMinutes(5), s.Teams["AR-RAID-02"].LastReportAt);
    }

    [Fact]
    public void an_answer_clears_an_overdue_check_in_and_the_overdue_count()
    {
        var s = Fold(Sample.Defined(Sample.TwoRegions()), Sample.Report(2, "MK-RAID-01", Tally.Zero, TeamStatus.Briefed),
            E(3, "MK-RAID-01", new CheckInOverdue(Sample.T0, 30)), E(4, null, new OrderIssued(new Order(OrderKind.Report, "Report", OrderTarget.Team("MK-RAID-01"), null, null)), "commander"));
        Assert.Equal(1, s.TeamsOverdue);
        s = OperationReducer.Apply(s, E(5, "MK-RAID-01", new OrderAnswered(4, OrderAnswer.Acknowledged, null), "lead"));
        Assert.Equal(0, s.TeamsOverdue);
        Assert.Null(s.Teams["MK-RAID-01"].OverdueSince);
    }

    [Fact]
    public void a_press_joins_the_teams_open_call_and_one_after_it_was_taken_opens_another()
    {
        var s = Fold(Sample.Defined(Sample.TwoRegions()),
            E(2, "AR-RAID-01", new DistressRaised(new GeoPoint(-26.8, -65.2)), "lead"),
            E(3, "AR-RAID-01", new DistressRaised(null), "lead"));
        var call = Assert.Single(s.Distress.Values);
        Assert.Equal((2L, 2, true), (call.Seq, call.Presses, call.Open));
        Assert.Equal(new GeoPoint(-26.8, -65.2), call.Position);
        Assert.Equal(new GeoPoint(-26.8, -65.2), s.Teams["AR-RAID-01"].Position);
        Assert.Equal(call, CommittedEvent.Of(E(3, "AR-RAID-01", new DistressRaised(null)), s).Distress);

        s = OperationReducer.Apply(s, E(4, "AR-RAID-01", new DistressTaken(2), "commander"));
        Assert.False(s.Distress[2].Open);
        Assert.Equal("commander", s.Distress[2].TakenBy);
        Assert.NotNull(OperationRules.ValidateTake(s, new DistressTaken(2)));
        Assert.Equal(DomainErrorKind.NotFound, OperationRules.ValidateTake(s, new DistressTaken(3))!.Kind);

        s = OperationReducer.Apply(s, E(5, "AR-RAID-01", new DistressRaised(null), "lead"));
        Assert.Equal([2L, 5L], s.Distress.Keys);
        Assert.True(s.Distress[5].Open);
        Assert.Equal(5, CommittedEvent.Of(E(5, "AR-RAID-01", new DistressRaised(null)), s).Distress!.Seq);
    }

    [Fact]
    public void the_server_flags_an_order_past_its_time_and_escalates_a_call_not_taken_once_each()
    {
        var s = Fold(Sample.Defined(Sample.TwoRegions()),
            E(2, null, new OrderIssued(new Order(OrderKind.Proceed, "Go", OrderTarget.Everyone, null, Sample.T0.AddMinutes(10))), "commander"),
            E(3, "MK-RAID-01", new DistressRaised(null), "lead"));
        Assert.True(OperationRules.AwaitsCheckIns(s));
        Assert.Empty(OperationRules.OverdueOrders(s, Sample.T0.AddMinutes(9)));
        Assert.Single(OperationRules.OverdueOrders(s, Sample.T0.AddMinutes(10)));
        Assert.Empty(OperationRules.EscalatingDistress(s, Sample.T0.AddMinutes(3).AddSeconds(59), TimeSpan.FromSeconds(60)));
        Assert.Single(OperationRules.EscalatingDistress(s, Sample.T0.AddMinutes(4), TimeSpan.FromSeconds(60)));

        s = OperationReducer.Apply(s, E(4, null, new OrderOverdue(2, ["AR-RAID-01", "AR-RAID-02", "MK-RAID-01"])));
        s = OperationReducer.Apply(s, E(5, "MK-RAID-01", new DistressEscalated(3)));
        Assert.Empty(OperationRules.OverdueOrders(s, Sample.T0.AddDays(1)));
        Assert.Empty(OperationRules.EscalatingDistress(s, Sample.T0.AddDays(1), TimeSpan.FromSeconds(60)));
        Assert.NotNull(s.Distress[3].EscalatedAt);
        Assert.True(s.Distress[3].Open);   // escalated is still open: the walls keep showing it
        Assert.False(OperationRules.AwaitsCheckIns(s));
    }

    [Fact]
    public void the_events_keep_their_shape_through_the_timelines_json_and_fold_to_the_same_state()
    {
        var events = new[]
        {
            Sample.Defined(Sample.TwoRegions()),
            E(2, null, new OrderIssued(new Order(OrderKind.Reposition, "To the gate", OrderTarget.Team("AR-RAID-02"), new GeoPoint(1, 2), null, 15)), "commander"),
            E(3, "AR-RAID-02", new OrderAnswered(2, OrderAnswer.Acknowledged, null), "lead"),
            E(4, null, new OrderCancelled(2, "Changed plan"), "commander"),
            E(5, "MK-RAID-01", new DistressRaised(new GeoPoint(41.9, 21.4)), "lead"),
            E(6, "MK-RAID-01", new DistressCancelled(5, "False alarm"), "lead"),
        };
        var copies = events.Select(e => JsonSerializer.Deserialize<TimelineEvent>(JsonSerializer.Serialize(e, DomainJson.Options), DomainJson.Options)!).ToArray();
        Assert.Equal(events.Select(e => e.Payload.GetType()), copies.Select(e => e.Payload.GetType()));
        var live = Fold(events);
        var again = Fold(copies);
        Assert.Equal(JsonSerializer.Serialize(live, DomainJson.Options), JsonSerializer.Serialize(again, DomainJson.Options));
        Assert.True(live.Orders[2].Cancelled);
        Assert.Equal("False alarm", live.Distress[5].CancelReason);
        // A stored state goes through the same JSON (snapshots, the wire between silos).
        var state = JsonSerializer.Deserialize<OperationState>(JsonSerializer.Serialize(live, DomainJson.Options), DomainJson.Options)!;
        Assert.Equal(JsonSerializer.Serialize(live, DomainJson.Options), JsonSerializer.Serialize(state, DomainJson.Options));
    }
}
