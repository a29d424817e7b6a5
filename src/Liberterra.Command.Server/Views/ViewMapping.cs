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

    public static RegionView ToView(this RegionState r) => new(
        r.Id, r.Definition.Name, r.Definition.CountryCode, r.Definition.Centroid.ToView(),
        [.. r.Definition.ExploitationTypes.Select(e => e.ToString())], [.. r.ExploitationFound.Select(e => e.ToString())],
        r.Totals.ToView(), [.. r.TeamIds], r.LastSeq);

    public static RegionChange ToChange(this RegionState r) =>
        new(r.Id, r.Totals.ToView(), [.. r.ExploitationFound.Select(e => e.ToString())], r.LastSeq);

    public static OperationView ToView(this OperationState s) => new(
        s.Id, s.Name, s.WindowStart, s.WindowEnd, s.Exercise, s.Totals.ToView(),
        s.TeamsActive,
        s.TeamsCompleted,
        s.LastSeq, s.LastEventAt,
        [.. s.Regions.Values.Select(ToView)],
        [.. s.Teams.Values.Select(ToView)],
        s.TeamsOverdue,
        s.RaidsCompleted,
        s.ClockSpeed);

    public static OperationSummary ToSummary(this OperationState s) => new(
        s.Id, s.Name, s.WindowStart, s.WindowEnd, s.Exercise, s.Totals.ToView(), s.Regions.Count, s.Teams.Count, s.LastSeq);

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

    /// <summary>A committed event as the walls receive it (<see cref="HubMessages.Deltas"/>).</summary>
    public static OperationDelta ToDelta(this CommittedEvent c)
    {
        var e = c.Event;
        var report = e.IsTeamReport() ? e.ToAck() : null;
        return new OperationDelta(e.Seq, e.OperationId, e.Kind, e.ServerTime, e.TeamId, report, c.Team?.ToView(),
            c.Region?.ToChange(), c.Totals.ToView(), c.TeamsActive, c.TeamsCompleted, c.TeamsOverdue, c.RaidsCompleted,
            EventText.Describe(e, c.Region?.Definition.Name));
    }
}
