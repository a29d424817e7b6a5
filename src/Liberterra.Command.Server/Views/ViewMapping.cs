using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;

namespace Liberterra.Command.Server.Views;

/// <summary>Domain state to the wire shapes of the API and the hubs (Contracts): one place for every mapping.</summary>
public static class ViewMapping
{
    public static TotalsView ToView(this Tally t) => new(t.Children, t.Women, t.Men, t.Rescued, t.Arrested);

    public static PositionView ToView(this GeoPoint p) => new(p.Latitude, p.Longitude);

    public static TeamView ToView(this TeamState t) => new(
        t.Id, t.Definition.Kind.ToString(), t.Definition.RegionId, t.Definition.CallSign, t.Definition.Agency,
        t.Status.ToString(), [.. TeamLifecycle.AllowedNext(t.Status).Select(s => s.ToString())], t.Totals.ToView(),
        t.Position?.ToView(), [.. t.ExploitationFound.Select(e => e.ToString())], t.LastReportAt, t.LastClientTime,
        t.ReportCount, t.LastSeq, t.OverdueSince);

    /// <summary>A team as <paramref name="view"/> sees it (null when it is not listed), marked when shown in summary.</summary>
    public static TeamView? ToView(this TeamState t, Viewpoint view) => view.Team(t) is { } shown
        ? shown.ToView() with { Sharing = view.Level(t.Id) == Domain.Sharing.Summary ? nameof(Domain.Sharing.Summary) : null }
        : null;

    public static AgencyView ToView(this AgencyDefinition a) =>
        new(a.Id, a.Name, a.CountryCode, a.Kind.ToString(), a.Coordinator, a.Shares.ToString(), [.. a.FullWith]);

    /// <summary>Whose view it is, and what it sees of every other agency's teams.</summary>
    public static ViewerView ToViewer(this Viewpoint view)
    {
        var own = view.Rules.Agency(view.Agency);
        var others = view.Rules.Agencies.Where(a => a.Id != view.Agency).OrderBy(a => a.Id, StringComparer.Ordinal).ToList();
        Domain.Sharing LevelOf(AgencyDefinition a) => view.SeesAll ? Domain.Sharing.Full : a.FullWith.Contains(view.Agency!) ? Domain.Sharing.Full : a.Shares;
        return new ViewerView(view.Agency, own?.Name, own?.CountryCode, view.SeesAll,
            [.. others.Where(a => LevelOf(a) == Domain.Sharing.Full).Select(a => a.Id)],
            [.. others.Where(a => LevelOf(a) == Domain.Sharing.Summary).Select(a => a.Id)],
            [.. others.Where(a => LevelOf(a) == Domain.Sharing.CountsOnly).Select(a => a.Id)]);
    }

    public static RegionView ToView(this RegionState r) => new(
        r.Id, r.Definition.Name, r.Definition.CountryCode, r.Definition.Centroid.ToView(),
        [.. r.Definition.ExploitationTypes.Select(e => e.ToString())], [.. r.ExploitationFound.Select(e => e.ToString())],
        r.Totals.ToView(), [.. r.TeamIds], r.LastSeq);

    public static RegionChange ToChange(this RegionState r) =>
        new(r.Id, r.Totals.ToView(), [.. r.ExploitationFound.Select(e => e.ToString())], r.LastSeq);

    /// <summary>Orders a snapshot carries: every open one, and the latest closed ones (the rest are in the timeline).</summary>
    public const int ClosedOrdersShown = 20;

    /// <summary>Distress calls a snapshot carries: every open one, and the latest closed ones.</summary>
    public const int ClosedDistressShown = 10;

    public static OrderView ToView(this OrderState o) => new(
        o.Seq, o.Order.Kind.ToString(), o.Order.Text, o.Order.Target.Scope.ToString(), o.Order.Target.Id, o.Order.Place?.ToView(),
        o.DueBy, o.IssuedAt, o.IssuedBy, [.. o.Recipients],
        [.. o.Answers.Select(a => new TeamAnswerView(a.Key, a.Value.Answer.ToString(), a.Value.Reason, a.Value.At, a.Value.Seq, a.Value.Actor))],
        [.. o.Overdue], o.OverdueAt, o.CancelledAt, o.CancelledBy, o.CancelReason, o.Open, o.LastSeq);

    /// <summary>The order as team <paramref name="teamId"/> sees it (its own answer only).</summary>
    public static TeamOrderView ForTeam(this OrderView o, string teamId)
    {
        var answer = o.Answers.FirstOrDefault(a => a.TeamId == teamId);
        var state = o.CancelledAt is not null && answer is null ? "cancelled"
            : answer is null ? "open"
            : answer.Answer == nameof(OrderAnswer.Acknowledged) ? "acknowledged" : "unable";
        return new TeamOrderView(o.Seq, o.Kind, o.Text, o.Scope, o.Place, o.DueBy, o.IssuedAt, o.IssuedBy, state, answer?.Reason,
            answer?.At, answer is null && o.Overdue.Contains(teamId), o.CancelledAt, o.CancelReason, o.LastSeq);
    }

    /// <summary>A distress call; <paramref name="team"/> gives its call sign, region and last known position.</summary>
    public static DistressView ToView(this DistressState d, TeamState? team) => new(
        d.Seq, d.TeamId, team?.Definition.CallSign, team?.Definition.RegionId, d.RaisedAt, d.RaisedBy,
        (d.Position ?? team?.Position)?.ToView(), d.Position is not null ? d.RaisedAt : team?.Position is null ? null : team.LastReportAt,
        d.Presses, d.EscalatedAt, d.TakenAt, d.TakenBy, d.CancelledAt, d.CancelledBy, d.CancelReason, d.Open, d.LastSeq);

    /// <summary>What a team's lead sees of command: its orders, newest first, and its latest distress call.</summary>
    public static TeamOrdersView ToView(this TeamOrders t, string operationId) => new(
        operationId, t.Team.Id, t.LastSeq,
        [.. t.Orders.Reverse().Select(o => o.ToView().ForTeam(t.Team.Id))],
        t.Distress?.ToView(t.Team));

    /// <summary>The operation as <paramref name="view"/> sees it, saying whose view it is.</summary>
    public static OperationView ToView(this OperationState s, Viewpoint view)
    {
        var shown = view.State(s);
        var summary = view.SeesAll ? [] : s.Teams.Keys.Where(id => view.Level(id) == Domain.Sharing.Summary).ToHashSet(StringComparer.Ordinal);
        var v = shown.ToView();
        return v with
        {
            Teams = summary.Count == 0 ? v.Teams : [.. v.Teams.Select(t => summary.Contains(t.Id) ? t with { Sharing = nameof(Domain.Sharing.Summary) } : t)],
            Viewer = view.ToViewer(),
        };
    }

    public static OperationView ToView(this OperationState s) => new(
        s.Id, s.Name, s.WindowStart, s.WindowEnd, s.Exercise, s.Totals.ToView(),
        s.TeamsActive,
        s.TeamsCompleted,
        s.LastSeq, s.LastEventAt,
        [.. s.Regions.Values.Select(ToView)],
        [.. s.Teams.Values.Select(ToView)],
        s.TeamsOverdue,
        s.RaidsCompleted,
        s.ClockSpeed,
        [.. s.Orders.Values.Where(o => o.Open).Concat(s.Orders.Values.Where(o => !o.Open).TakeLast(ClosedOrdersShown))
            .OrderBy(o => o.Seq).Select(o => o.ToView())],
        [.. s.Distress.Values.Where(d => d.Open).Concat(s.Distress.Values.Where(d => !d.Open).TakeLast(ClosedDistressShown))
            .OrderBy(d => d.Seq).Select(d => d.ToView(s.Teams.GetValueOrDefault(d.TeamId)))],
        [.. s.Agencies.Select(ToView)]);

    /// <summary>One line of the operations list; the teams counted are those <paramref name="view"/> lists.</summary>
    public static OperationSummary ToSummary(this OperationState s, Viewpoint view) => new(
        s.Id, s.Name, s.WindowStart, s.WindowEnd, s.Exercise, s.Totals.ToView(), s.Regions.Count, s.Teams.Keys.Count(id => !view.Hides(id)), s.LastSeq);

    /// <summary>True for the events a team lead made (reports and corrections), as opposed to the system's.</summary>
    public static bool IsTeamReport(this TimelineEvent e) => e.Payload is FieldReported or ReportCorrected;

    public static ReportAck ToAck(this TimelineEvent e) => e.Payload switch
    {
        FieldReported { Report: var r } => new ReportAck(
            e.Seq, e.OperationId, e.TeamId!, e.Kind, e.IdempotencyKey, e.ServerTime, e.ClientTime, r.Status?.ToString(),
            r.Counts.ToView(), [.. r.ExploitationTypes.Select(t => t.ToString())], r.Position?.ToView(), r.Note, null, null),
        ReportCorrected { Correction: var c } => new ReportAck(
            e.Seq, e.OperationId, e.TeamId!, e.Kind, e.IdempotencyKey, e.ServerTime, e.ClientTime, null,
            c.Delta.ToView(), [], null, null, c.CorrectsSeq, c.Reason),
        _ => throw new InvalidOperationException($"Event {e.Seq} is not a team report."),
    };

    /// <summary>A committed event as the walls of <paramref name="view"/> receive it (<see cref="Viewpoint.Committed"/>).</summary>
    public static OperationDelta ToDelta(this CommittedEvent c, Viewpoint view)
    {
        if (view.SeesAll) return c.ToDelta();
        var shown = view.Committed(c);
        var delta = shown.ToDelta();
        return delta.Team is { } team && view.Level(team.Id) == Domain.Sharing.Summary
            ? delta with { Team = team with { Sharing = nameof(Domain.Sharing.Summary) } }
            : delta;
    }

    /// <summary>A committed event as the walls receive it (<see cref="HubMessages.Deltas"/>).</summary>
    public static OperationDelta ToDelta(this CommittedEvent c)
    {
        var e = c.Event;
        if (e.Payload is WithheldChange)
            return new OperationDelta(e.Seq, e.OperationId, e.Kind, e.ServerTime, null, null, null, c.Region?.ToChange(), c.Totals.ToView(),
                c.TeamsActive, c.TeamsCompleted, c.TeamsOverdue, c.RaidsCompleted, "");
        var report = e.IsTeamReport() ? e.ToAck() : null;
        return new OperationDelta(e.Seq, e.OperationId, e.Kind, e.ServerTime, e.TeamId, report, c.Team?.ToView(),
            c.Region?.ToChange(), c.Totals.ToView(), c.TeamsActive, c.TeamsCompleted, c.TeamsOverdue, c.RaidsCompleted,
            EventText.Describe(e, c.Region?.Definition.Name), c.Order?.ToView(), c.Distress?.ToView(c.Team),
            EventText.Phrase(e, c.Region?.Definition.Name).ToView(), e.Payload is MessageSent m ? new MessageEntry(m.Text, m.Source) : null);
    }
}
