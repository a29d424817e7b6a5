using System.Collections.Immutable;

namespace Liberterra.Command.Domain;

/// <summary>
/// Need-to-know applied: what one agency's credentials see of an operation's state, its events and its live changes.
/// Every read (the wall's snapshot and deltas, the team and timeline APIs, the ticker, exports, the after-action report
/// and replays) goes through one of its three projections, so no path can show more than another:
/// <list type="bullet">
/// <item>a team shared in <see cref="Sharing.Full"/> is shown as it is;</item>
/// <item>a team in <see cref="Sharing.Summary"/> keeps its call sign, kind, status, region, counts and check-in age; its
/// notes, positions, exploitation types, reasons and the names of the people who reported for it are withheld (an
/// author becomes the team's agency);</item>
/// <item>a team in <see cref="Sharing.CountsOnly"/> is not there at all: its events are dropped, its counts stay in its
/// region's and the operation's totals, and the operation's team counts leave it out.</item>
/// </list>
/// An order is shown when at least one team it reached is the viewer's to see in full, with the teams it reached that
/// the viewer may see; a distress call like its team.
/// </summary>
public sealed class Viewpoint(AgencyRules rules, string? agency)
{
    /// <summary>A viewpoint that sees everything (an operation without agencies, an admin, a coordinator).</summary>
    public static readonly Viewpoint Everything = new(AgencyRules.None, null);

    public AgencyRules Rules { get; } = rules;

    /// <summary>The viewer's agency (null: a credential for the whole operation).</summary>
    public string? Agency { get; } = agency;

    public bool SeesAll => Rules.SeesAll(Agency);

    /// <summary>Viewers with the same key get the same view of a batch: "" when it sees everything, else the agency.</summary>
    public string Key => SeesAll ? "" : Agency!;

    public static Viewpoint Of(OperationState state, string? agency) => new(AgencyRules.Of(state), agency);

    public Sharing Level(string teamId) => Rules.LevelFor(Agency, teamId);

    /// <summary>True when the team is not listed for this viewer (its agency shares counts only).</summary>
    public bool Hides(string? teamId) => teamId is not null && Level(teamId) == Sharing.CountsOnly;

    /// <summary>Who a withheld author is shown as: the team's agency.</summary>
    public string AuthorOf(string teamId) => Rules.Agency(Rules.OwnerOf(teamId))?.Name ?? "another agency";

    // ---------------------------------------------------------------- state

    /// <summary>The operation as this viewer sees it (the whole state when it sees everything).</summary>
    public OperationState State(OperationState s)
    {
        if (SeesAll) return s;
        var teams = ImmutableSortedDictionary.CreateBuilder<string, TeamState>(StringComparer.Ordinal);
        foreach (var t in s.Teams.Values)
            if (Team(t) is { } shown) teams[t.Id] = shown;
        var regions = s.Regions.ToImmutableSortedDictionary(r => r.Key, r => r.Value with { TeamIds = r.Value.TeamIds.Where(teams.ContainsKey).ToImmutableSortedSet(StringComparer.Ordinal) }, StringComparer.Ordinal);
        var counts = TeamCounts.Of(teams.Values);
        return s with
        {
            Teams = teams.ToImmutable(),
            Regions = regions,
            TeamsActive = counts.Active,
            TeamsCompleted = counts.Completed,
            TeamsOverdue = counts.Overdue,
            Orders = s.Orders.Values.Select(Order).OfType<OrderState>().ToImmutableSortedDictionary(o => o.Seq, o => o),
            Distress = s.Distress.Values.Select(Distress).OfType<DistressState>().ToImmutableSortedDictionary(d => d.Seq, d => d),
        };
    }

    /// <summary>A team as this viewer sees it; null when it is not listed.</summary>
    public TeamState? Team(TeamState t) => Level(t.Id) switch
    {
        Sharing.Full => t,
        Sharing.Summary => t with { Position = null, ExploitationFound = [], LastClientTime = null },
        _ => null,
    };

    /// <summary>An order, with the teams it reached that this viewer may see; null when none of them is its own to see in full.</summary>
    public OrderState? Order(OrderState o)
    {
        if (SeesAll) return o;
        if (!o.Recipients.Any(t => Level(t) == Sharing.Full)) return null;
        return o with
        {
            Recipients = o.Recipients.Where(t => !Hides(t)).ToImmutableSortedSet(StringComparer.Ordinal),
            Answers = o.Answers.Where(a => !Hides(a.Key)).ToImmutableSortedDictionary(
                a => a.Key, a => Level(a.Key) == Sharing.Full ? a.Value : a.Value with { Reason = null, Actor = AuthorOf(a.Key) }, StringComparer.Ordinal),
            Overdue = o.Overdue.Where(t => !Hides(t)).ToImmutableSortedSet(StringComparer.Ordinal),
        };
    }

    /// <summary>A distress call as its team is seen: not at all, or without position, names and reason.</summary>
    public DistressState? Distress(DistressState d) => Level(d.TeamId) switch
    {
        Sharing.Full => d,
        Sharing.Summary => d with { Position = null, RaisedBy = AuthorOf(d.TeamId), TakenBy = null, CancelledBy = null, CancelReason = null },
        _ => null,
    };

    // ---------------------------------------------------------------- events

    /// <summary>
    /// An event of the timeline as this viewer may read it; null when it is withheld. <paramref name="state"/> is any
    /// state that knows the event's order (an order's recipients decide who sees its events); without it, an order's
    /// events are withheld.
    /// </summary>
    public TimelineEvent? Event(TimelineEvent e, OperationState? state = null)
    {
        if (SeesAll) return e;
        if (e.Payload is OperationDefined { Definition: var d })
            return e with { Payload = new OperationDefined(d with { Teams = [.. d.Teams.Where(t => !Hides(t.Id))] }) };
        if (OrderSeqOf(e) is { } orderSeq && (state?.Orders.GetValueOrDefault(orderSeq) is not { } order || Order(order) is null)) return null;
        if (e.Payload is OrderOverdue overdue) e = e with { Payload = overdue with { TeamIds = [.. overdue.TeamIds.Where(t => !Hides(t))] } };
        if (e.TeamId is not { } team) return e;
        // A device's position, a team's message: all they say is theirs, shown with the team in full or not at all.
        if (FullOnly(e) && Level(team) != Sharing.Full) return null;
        return Level(team) switch
        {
            Sharing.Full => e,
            Sharing.Summary => e with { Actor = AuthorOf(team), ClientTime = null, Payload = Summary(e.Payload) },
            _ => null,
        };
    }

    private static bool FullOnly(TimelineEvent e) => e.Payload is PositionReported or MessageSent;

    private static long? OrderSeqOf(TimelineEvent e) => e.Payload switch
    {
        OrderIssued => e.Seq,
        OrderAnswered a => a.OrderSeq,
        OrderCancelled c => c.OrderSeq,
        OrderOverdue o => o.OrderSeq,
        _ => null,
    };

    // What a summary keeps of what happened: no note, position, exploitation found or free-text reason.
    private static EventPayload Summary(EventPayload p) => p switch
    {
        FieldReported r => new FieldReported(r.Report with { Note = null, Position = null, ExploitationTypes = [] }),
        ReportCorrected c => new ReportCorrected(c.Correction with { Reason = "" }),
        OrderAnswered a => a with { Reason = null },
        DistressRaised => new DistressRaised(null),
        DistressCancelled c => c with { Reason = null },
        _ => p,
    };

    // ---------------------------------------------------------------- live changes

    /// <summary>
    /// A committed event as this viewer's walls receive it. When the event is withheld, what is left is the change
    /// to the totals (its region's and the operation's), with no team, no words and the kind <see cref="EventKinds.Withheld"/>.
    /// </summary>
    public CommittedEvent Committed(CommittedEvent c)
    {
        if (SeesAll) return c;
        var counts = Counts(c);
        var order = c.Order is { } o ? Order(o) : null;
        var hidden = (c.Order is not null && order is null) || Hides(c.Event.TeamId) || (c.Distress is { } call && Hides(call.TeamId))
                     || (FullOnly(c.Event) && Level(c.Event.TeamId!) != Sharing.Full);
        if (hidden)
            return new CommittedEvent(new TimelineEvent(c.Event.Seq, c.Event.OperationId, c.Event.ServerTime, null, "", null, "", WithheldChange.Instance),
                null, c.Region, c.Totals, counts.Active, counts.Completed, counts.Overdue, c.RaidsCompleted);
        var e = c.Event.TeamId is { } team && Level(team) == Sharing.Summary
            ? c.Event with { Actor = AuthorOf(team), ClientTime = null, Payload = Summary(c.Event.Payload) }
            : c.Event;
        if (e.Payload is OrderOverdue overdue) e = e with { Payload = overdue with { TeamIds = [.. overdue.TeamIds.Where(t => !Hides(t))] } };
        if (e.Payload is OperationDefined { Definition: var d }) e = e with { Payload = new OperationDefined(d with { Teams = [.. d.Teams.Where(t => !Hides(t.Id))] }) };
        return new CommittedEvent(e, c.Team is { } t ? Team(t) : null, c.Region, c.Totals, counts.Active, counts.Completed, counts.Overdue,
            c.RaidsCompleted, order, c.Distress is { } dist ? Distress(dist) : null);
    }

    /// <summary>The operation's team counts without the teams this viewer does not list.</summary>
    private TeamCounts Counts(CommittedEvent c)
    {
        int active = c.TeamsActive, completed = c.TeamsCompleted, overdue = c.TeamsOverdue;
        if (c.Withheld is { } withheld)
            foreach (var agencyId in Rules.HiddenFrom(Agency))
                if (withheld.TryGetValue(agencyId, out var n))
                {
                    active -= n.Active;
                    completed -= n.Completed;
                    overdue -= n.Overdue;
                }

        return new TeamCounts(active, completed, overdue);
    }
}

/// <summary>
/// What is left of an event a viewer may not see (<see cref="Viewpoint.Committed"/>): only its number, its time and its
/// change to the totals. Never stored: the timeline holds the real event.
/// </summary>
public sealed record WithheldChange : EventPayload
{
    public static readonly WithheldChange Instance = new();

    [System.Text.Json.Serialization.JsonIgnore]
    public override string Kind => EventKinds.Withheld;
}
