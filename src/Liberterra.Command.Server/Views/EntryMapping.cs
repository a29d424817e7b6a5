using System.Security.Claims;
using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Storage;

namespace Liberterra.Command.Server.Views;

/// <summary>Timeline events to the debrief's shape.</summary>
public static class EntryMapping
{
    /// <summary>
    /// An event as the debrief reads it through <paramref name="view"/> (null when withheld from it; see
    /// <see cref="Viewpoint.Event"/>), notes only for those who may read them.
    /// </summary>
    public static TimelineEntry? ToEntry(this TimelineEvent e, OperationState state, ClaimsPrincipal user, Viewpoint view)
    {
        if (view.Event(e, state) is not { } shown) return null;
        e = shown;
        var region = e.TeamId is { } id ? state.Teams.GetValueOrDefault(id)?.Definition.RegionId : null;
        var regionName = region is null ? null : state.Regions.GetValueOrDefault(region)?.Definition.Name;
        var summary = EventText.Describe(e, regionName);
        return Words(e, region, summary, state, user) with { Phrase = EventText.Phrase(e, regionName).ToView() };
    }

    /// <summary>A mark on the significant lane as <paramref name="view"/> sees it: null when its event is withheld.</summary>
    public static SignificantEntry? ToEntry(this SignificantMark mark, TimelineEvent e, OperationState state, ClaimsPrincipal user, Viewpoint view) =>
        e.ToEntry(state, user, view) is { } entry
            ? new SignificantEntry(mark.Seq, mark.Title, e.TeamId is { } team && view.Level(team) != Sharing.Full ? view.AuthorOf(team) : mark.MarkedBy, mark.MarkedAt, entry)
            : null;

    /// <summary>An event's words as data, for the pages to put in their user's language.</summary>
    public static PhraseView ToView(this EventPhrase phrase) => new(phrase.Key, phrase.Args);

    private static TimelineEntry Words(TimelineEvent e, string? region, string summary, OperationState state, ClaimsPrincipal user)
    {
        return e.Payload switch
        {
            FieldReported or ReportCorrected => new TimelineEntry(e.Seq, e.Kind, e.ServerTime, e.ClientTime, e.Actor, e.TeamId, region, e.IdempotencyKey,
                Scope.CanReadNotes(user, e.TeamId!) ? e.ToAck() : e.ToAck() with { Note = null }, null, null, null, summary),
            CheckInOverdue o => new TimelineEntry(e.Seq, e.Kind, e.ServerTime, e.ClientTime, e.Actor, e.TeamId, region, e.IdempotencyKey,
                null, o.LastCheckIn, o.IntervalMinutes, null, summary),
            OperationDefined { Definition: var d } => new TimelineEntry(e.Seq, e.Kind, e.ServerTime, e.ClientTime, e.Actor, null, null, e.IdempotencyKey,
                null, null, null, new DefinitionSummary(d.Name, d.WindowStart, d.WindowEnd, d.Exercise, d.Regions.Length, d.Teams.Length, d.ClockSpeed), summary),
            OrderIssued { Order: var o } => Entry(e, region, summary, new OrderEntry(e.Seq, o.Kind.ToString(), o.Text, o.Target.Scope.ToString(),
                o.Target.Id, o.Place?.ToView(), o.DueBy ?? (o.DueInMinutes is { } m ? e.ServerTime.AddMinutes(m) : null))),
            OrderAnswered a => Entry(e, region, summary, new OrderEntry(a.OrderSeq, Answer: a.Answer.ToString(), Reason: a.Reason)),
            OrderCancelled c => Entry(e, region, summary, new OrderEntry(c.OrderSeq, Reason: c.Reason)),
            OrderOverdue o => Entry(e, region, summary, new OrderEntry(o.OrderSeq, TeamIds: [.. o.TeamIds])),
            // A press while the team's call was open joins it: the call is the team's latest that started by then.
            DistressRaised d => Entry(e, region, summary, distress: new DistressEntry(
                CommittedEvent.CallOf(e, state)?.Seq ?? e.Seq, d.Position?.ToView())),
            DistressTaken t => Entry(e, region, summary, distress: new DistressEntry(t.DistressSeq)),
            DistressCancelled c => Entry(e, region, summary, distress: new DistressEntry(c.DistressSeq, Reason: c.Reason)),
            DistressEscalated x => Entry(e, region, summary, distress: new DistressEntry(x.DistressSeq)),
            PositionReported p => Entry(e, region, summary) with { Position = p.Position.ToView() },
            MessageSent m => Entry(e, region, summary) with { Message = new MessageEntry(m.Text, m.Source) },
            _ => throw new InvalidOperationException($"Event {e.Seq} has an unknown kind {e.Kind}."),
        };
    }

    private static TimelineEntry Entry(TimelineEvent e, string? region, string summary, OrderEntry? order = null, DistressEntry? distress = null) =>
        new(e.Seq, e.Kind, e.ServerTime, e.ClientTime, e.Actor, e.TeamId, region, e.IdempotencyKey, null, null, null, null, summary, order, distress);
}
