using System.Collections.Immutable;

namespace Liberterra.Command.Domain;

/// <summary>
/// The one reducer: <c>state' = Apply(state, event)</c>. The grains use it on the live path and the debrief uses it to
/// rebuild any past moment, so the wall and a replay cannot disagree. Events are assumed to have passed
/// <see cref="OperationRules"/>; the reducer only refuses histories that are out of order.
/// </summary>
public static class OperationReducer
{
    /// <summary>
    /// The reducer's version, kept in every state it folds. Raise it when the state gains something an older fold lacks:
    /// stored states of an older version (grain snapshots, past states) are then folded again from the timeline.
    /// Version 2 counts raids completed; version 3 keeps orders and distress calls.
    /// </summary>
    public const int Version = 3;

    public static OperationState Apply(OperationState? state, TimelineEvent e)
    {
        var expected = (state?.LastSeq ?? 0) + 1;
        if (e.Seq != expected)
            throw new InvalidOperationException($"Timeline out of order for '{e.OperationId}': expected seq {expected}, got {e.Seq}.");

        return e.Payload switch
        {
            OperationDefined d => Define(state, d.Definition, e),
            FieldReported r => Report(RequireState(state, e), e, r.Report),
            ReportCorrected c => Correct(RequireState(state, e), e, c.Correction),
            CheckInOverdue => Overdue(RequireState(state, e), e),
            OrderIssued i => Issue(RequireState(state, e), e, i.Order),
            OrderAnswered a => Answer(RequireState(state, e), e, a),
            OrderCancelled c => WithOrder(RequireState(state, e), e, c.OrderSeq, o => o with
            {
                CancelledAt = e.ServerTime, CancelledBy = e.Actor, CancelReason = c.Reason, LastSeq = e.Seq,
            }),
            OrderOverdue o => WithOrder(RequireState(state, e), e, o.OrderSeq, order => order with
            {
                Overdue = order.Overdue.Union(o.TeamIds), OverdueAt = order.OverdueAt ?? e.ServerTime, LastSeq = e.Seq,
            }),
            DistressRaised d => Raise(RequireState(state, e), e, d),
            PositionReported p => Positioned(RequireState(state, e), e, p.Position),
            MessageSent => Messaged(RequireState(state, e), e),
            DistressTaken t => WithDistress(RequireState(state, e), e, t.DistressSeq, d => d with
            {
                TakenAt = d.TakenAt ?? e.ServerTime, TakenBy = d.TakenBy ?? e.Actor, LastSeq = e.Seq,
            }),
            DistressCancelled c => WithDistress(RequireState(state, e), e, c.DistressSeq, d => d with
            {
                CancelledAt = d.CancelledAt ?? e.ServerTime, CancelledBy = d.CancelledBy ?? e.Actor, CancelReason = c.Reason, LastSeq = e.Seq,
            }),
            DistressEscalated x => WithDistress(RequireState(state, e), e, x.DistressSeq, d => d with
            {
                EscalatedAt = d.EscalatedAt ?? e.ServerTime, LastSeq = e.Seq,
            }),
            _ => throw new InvalidOperationException($"Unknown event kind '{e.Payload.GetType().Name}'."),
        };
    }

    /// <summary>Folds a whole history.</summary>
    public static OperationState? Fold(OperationState? state, IEnumerable<TimelineEvent> events)
    {
        foreach (var e in events)
        {
            state = Apply(state, e);
        }

        return state;
    }

    private static OperationState RequireState(OperationState? state, TimelineEvent e) =>
        state ?? throw new InvalidOperationException($"Event {e.Seq} of '{e.OperationId}' precedes the operation's definition.");

    private static OperationState Define(OperationState? state, OperationDefinition d, TimelineEvent e)
    {
        var teams = ImmutableSortedDictionary.CreateBuilder<string, TeamState>(StringComparer.Ordinal);
        foreach (var def in d.Teams)
        {
            teams[def.Id] = state is not null && state.Teams.TryGetValue(def.Id, out var existing)
                ? existing.Definition == def ? existing : existing with { Definition = def, LastSeq = e.Seq }
                : TeamState.Initial(def) with { LastSeq = e.Seq };
        }

        // Region aggregates are recomputed from the teams: a definition change is rare and this keeps sums exact.
        var regions = ImmutableSortedDictionary.CreateBuilder<string, RegionState>(StringComparer.Ordinal);
        foreach (var def in d.Regions)
        {
            var members = teams.Values.Where(t => t.Definition.RegionId == def.Id).ToList();
            var totals = members.Aggregate(Tally.Zero, (sum, t) => sum.Add(t.Totals));
            var found = members.SelectMany(t => t.ExploitationFound).ToImmutableSortedSet();
            var ids = members.Select(t => t.Id).ToImmutableSortedSet(StringComparer.Ordinal);
            var previous = state?.Regions.GetValueOrDefault(def.Id);
            var unchanged = previous is not null && previous.Definition == def && previous.TeamIds.SetEquals(ids);
            regions[def.Id] = new RegionState(def, totals, ids, found, unchanged ? previous!.LastSeq : e.Seq);
        }

        return new OperationState(
            d.Id, d.Name, d.WindowStart, d.WindowEnd, d.Exercise,
            regions.Values.Aggregate(Tally.Zero, (sum, r) => sum.Add(r.Totals)),
            regions.ToImmutable(), teams.ToImmutable(), e.Seq, e.ServerTime,
            teams.Values.Count(t => TeamLifecycle.IsActive(t.Status)),
            teams.Values.Count(t => t.Status == TeamStatus.Completed),
            teams.Values.Count(t => t.OverdueSince is not null),
            state?.RaidsCompleted ?? 0,
            Version,
            d.ClockSpeed,
            state?.Orders,
            state?.Distress,
            d.Agencies);
    }

    private static OperationState Report(OperationState s, TimelineEvent e, FieldReport r)
    {
        var team = RequireTeam(s, e);
        var found = team.ExploitationFound.Union(r.ExploitationTypes);
        var updatedTeam = team with
        {
            Status = r.Status ?? team.Status,
            Totals = team.Totals.Add(r.Counts),
            Position = r.Position ?? team.Position,
            ExploitationFound = found,
            LastReportAt = e.ServerTime,
            LastClientTime = e.ClientTime,
            ReportCount = team.ReportCount + 1,
            LastSeq = e.Seq,
            OverdueSince = null,
        };
        return WithTeam(s, e, updatedTeam, r.Counts, r.ExploitationTypes);
    }

    private static OperationState Correct(OperationState s, TimelineEvent e, Correction c)
    {
        var team = RequireTeam(s, e);
        var updatedTeam = team with
        {
            Totals = team.Totals.Add(c.Delta),
            LastReportAt = e.ServerTime,
            LastClientTime = e.ClientTime,
            LastSeq = e.Seq,
            OverdueSince = null,
        };
        return WithTeam(s, e, updatedTeam, c.Delta, []);
    }

    private static OperationState Overdue(OperationState s, TimelineEvent e)
    {
        var team = RequireTeam(s, e);
        if (team.OverdueSince is not null) return s with { LastSeq = e.Seq, LastEventAt = e.ServerTime };
        return s with
        {
            Teams = s.Teams.SetItem(team.Id, team with { OverdueSince = e.ServerTime, LastSeq = e.Seq }),
            LastSeq = e.Seq,
            LastEventAt = e.ServerTime,
            TeamsOverdue = s.TeamsOverdue + 1,
        };
    }

    // The recipients are the teams the target names at this point of the timeline.
    private static OperationState Issue(OperationState s, TimelineEvent e, Order order)
    {
        var due = order.DueBy ?? (order.DueInMinutes is { } minutes ? e.ServerTime.AddMinutes(minutes) : null);
        var issued = new OrderState(e.Seq, order, e.ServerTime, e.Actor, order.Target.Resolve(s), due,
            ImmutableSortedDictionary.Create<string, TeamAnswer>(StringComparer.Ordinal), [], null, null, null, null, e.Seq);
        return s with { Orders = s.Orders.SetItem(e.Seq, issued), LastSeq = e.Seq, LastEventAt = e.ServerTime };
    }

    // An answer is a sign of life: it counts as the team's check-in (and clears an overdue check-in) like a report.
    private static OperationState Answer(OperationState s, TimelineEvent e, OrderAnswered a)
    {
        var answered = WithOrder(s, e, a.OrderSeq, o => o.Answers.ContainsKey(e.TeamId!) ? o with { LastSeq = e.Seq } : o with
        {
            Answers = o.Answers.SetItem(e.TeamId!, new TeamAnswer(a.Answer, a.Reason, e.ServerTime, e.Seq, e.Actor)),
            LastSeq = e.Seq,
        });
        return CheckedIn(answered, e, null);
    }

    // A press while the team's call is open joins it (a newer position, one more press); otherwise a new call opens.
    private static OperationState Raise(OperationState s, TimelineEvent e, DistressRaised d)
    {
        var open = s.OpenDistressOf(e.TeamId!);
        var call = open is null
            ? new DistressState(e.Seq, e.TeamId!, e.ServerTime, e.Actor, d.Position, 1, null, null, null, null, null, null, e.Seq)
            : open with { Position = d.Position ?? open.Position, Presses = open.Presses + 1, LastSeq = e.Seq };
        return CheckedIn(s with { Distress = s.Distress.SetItem(call.Seq, call) }, e, d.Position);
    }

    private static OperationState WithOrder(OperationState s, TimelineEvent e, long orderSeq, Func<OrderState, OrderState> change) =>
        s.Orders.TryGetValue(orderSeq, out var order)
            ? s with { Orders = s.Orders.SetItem(orderSeq, change(order)), LastSeq = e.Seq, LastEventAt = e.ServerTime }
            : throw new InvalidOperationException($"Event {e.Seq} names unknown order {orderSeq}.");

    private static OperationState WithDistress(OperationState s, TimelineEvent e, long distressSeq, Func<DistressState, DistressState> change) =>
        s.Distress.TryGetValue(distressSeq, out var call)
            ? s with { Distress = s.Distress.SetItem(distressSeq, change(call)), LastSeq = e.Seq, LastEventAt = e.ServerTime }
            : throw new InvalidOperationException($"Event {e.Seq} names unknown distress call {distressSeq}.");

    // A device's position moves the team; it says nothing of the team's check-in (only a report or an answer does).
    private static OperationState Positioned(OperationState s, TimelineEvent e, GeoPoint position)
    {
        var team = RequireTeam(s, e);
        return s with { Teams = s.Teams.SetItem(team.Id, team with { Position = position, LastSeq = e.Seq }), LastSeq = e.Seq, LastEventAt = e.ServerTime };
    }

    // A team's message to command is in the timeline; the team's state only learns its sequence number.
    private static OperationState Messaged(OperationState s, TimelineEvent e)
    {
        var team = RequireTeam(s, e);
        return s with { Teams = s.Teams.SetItem(team.Id, team with { LastSeq = e.Seq }), LastSeq = e.Seq, LastEventAt = e.ServerTime };
    }

    // A team's sign of life that is not a report: its check-in time (and position, when it gave one) move on.
    private static OperationState CheckedIn(OperationState s, TimelineEvent e, GeoPoint? position)
    {
        var team = RequireTeam(s, e);
        var updated = team with
        {
            Position = position ?? team.Position,
            LastReportAt = e.ServerTime,
            LastClientTime = e.ClientTime,
            LastSeq = e.Seq,
            OverdueSince = null,
        };
        return s with
        {
            Teams = s.Teams.SetItem(team.Id, updated),
            LastSeq = e.Seq,
            LastEventAt = e.ServerTime,
            TeamsOverdue = s.TeamsOverdue - Count(team.OverdueSince is not null),
        };
    }

    private static TeamState RequireTeam(OperationState s, TimelineEvent e) =>
        e.TeamId is not null && s.Teams.TryGetValue(e.TeamId, out var team)
            ? team
            : throw new InvalidOperationException($"Event {e.Seq} names unknown team '{e.TeamId}'.");

    private static OperationState WithTeam(
        OperationState s, TimelineEvent e, TeamState team, Tally delta, ImmutableArray<ExploitationType> found)
    {
        var previous = s.Teams[team.Id].Status;
        var region = s.Regions[team.Definition.RegionId];
        var updatedRegion = region with
        {
            Totals = region.Totals.Add(delta),
            ExploitationFound = region.ExploitationFound.Union(found),
            LastSeq = e.Seq,
        };
        return s with
        {
            Totals = s.Totals.Add(delta),
            Teams = s.Teams.SetItem(team.Id, team),
            Regions = s.Regions.SetItem(region.Id, updatedRegion),
            LastSeq = e.Seq,
            LastEventAt = e.ServerTime,
            TeamsActive = s.TeamsActive + Count(TeamLifecycle.IsActive(team.Status)) - Count(TeamLifecycle.IsActive(previous)),
            TeamsCompleted = s.TeamsCompleted + Count(team.Status == TeamStatus.Completed) - Count(previous == TeamStatus.Completed),
            TeamsOverdue = s.TeamsOverdue + Count(team.OverdueSince is not null) - Count(s.Teams[team.Id].OverdueSince is not null),
            RaidsCompleted = s.RaidsCompleted + Count(team.Status == TeamStatus.Completed && previous != TeamStatus.Completed),
        };
    }

    private static int Count(bool yes) => yes ? 1 : 0;
}
