using System.Collections.Immutable;

namespace Liberterra.Command.Domain;

/// <summary>
/// A committed event with what it changed, as the live walls need it: the team and region after it, the operation's
/// totals, and the order or distress call it concerns, as they are after it. Applying one replaces those parts of a
/// wall's picture, so applying it twice changes nothing. <paramref name="Withheld"/>: for each agency that shares
/// "counts only", how many of its teams are active, completed and overdue, so that a view which does not list them
/// can take them out of the operation's team counts (null when the operation has no such agency).
/// </summary>
/// <remarks>
/// The push path starts here: the operation grain builds one for every event it commits, the wall relay for every
/// event it reads back from the timeline, and the debrief's replay for every event it plays, all with <see cref="Of"/>.
/// </remarks>
public sealed record CommittedEvent(
    TimelineEvent Event,
    TeamState? Team,
    RegionState? Region,
    Tally Totals,
    int TeamsActive,
    int TeamsCompleted,
    int TeamsOverdue,
    int RaidsCompleted,
    OrderState? Order = null,
    DistressState? Distress = null,
    ImmutableSortedDictionary<string, TeamCounts>? Withheld = null)
{
    /// <summary>What <paramref name="e"/> changed, given the operation's state just after it.</summary>
    public static CommittedEvent Of(TimelineEvent e, OperationState after)
    {
        var team = e.TeamId is { } id ? after.Teams.GetValueOrDefault(id) : null;
        var region = team is null ? null : after.Regions.GetValueOrDefault(team.Definition.RegionId);
        var order = e.Payload switch
        {
            OrderIssued => after.Orders.GetValueOrDefault(e.Seq),
            OrderAnswered a => after.Orders.GetValueOrDefault(a.OrderSeq),
            OrderCancelled c => after.Orders.GetValueOrDefault(c.OrderSeq),
            OrderOverdue o => after.Orders.GetValueOrDefault(o.OrderSeq),
            _ => null,
        };
        var distress = e.Payload switch
        {
            // A press joins the team's open call, whose number is its first press's.
            DistressRaised => CallOf(e, after),
            DistressTaken t => after.Distress.GetValueOrDefault(t.DistressSeq),
            DistressCancelled c => after.Distress.GetValueOrDefault(c.DistressSeq),
            DistressEscalated x => after.Distress.GetValueOrDefault(x.DistressSeq),
            _ => null,
        };
        return new CommittedEvent(e, team, region, after.Totals, after.TeamsActive, after.TeamsCompleted, after.TeamsOverdue,
            after.RaidsCompleted, order, distress, WithheldCounts(after));
    }

    /// <summary>Team counts of every agency that shares "counts only" (null when none does).</summary>
    public static ImmutableSortedDictionary<string, TeamCounts>? WithheldCounts(OperationState state)
    {
        if (!state.Agencies.Any(a => a.Shares == Sharing.CountsOnly)) return null;
        var hidden = state.Agencies.Where(a => a.Shares == Sharing.CountsOnly).Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        return state.Teams.Values.Where(t => hidden.Contains(t.Definition.Agency)).GroupBy(t => t.Definition.Agency)
            .ToImmutableSortedDictionary(g => g.Key, g => TeamCounts.Of(g), StringComparer.Ordinal);
    }

    /// <summary>The distress call a DistressRaised joined or opened: the team's latest call that started by then.</summary>
    public static DistressState? CallOf(TimelineEvent raised, OperationState state) =>
        state.Distress.Values.LastOrDefault(d => d.TeamId == raised.TeamId && d.Seq <= raised.Seq);

    /// <summary>
    /// Folds <paramref name="events"/> onto <paramref name="state"/> (the state before the first of them) and says what
    /// each changed, in order: how a reader of the timeline sees the same changes the writer published.
    /// </summary>
    public static IEnumerable<CommittedEvent> Replay(OperationState? state, IEnumerable<TimelineEvent> events)
    {
        foreach (var e in events)
        {
            state = OperationReducer.Apply(state, e);
            yield return Of(e, state);
        }
    }
}
