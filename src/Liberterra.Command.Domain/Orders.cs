using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Liberterra.Command.Domain;

/// <summary>What command tells a team to do.</summary>
public enum OrderKind
{
    Proceed,
    Hold,
    Abort,
    Reposition,
    Report,
    Message,
}

/// <summary>Whom an order addresses: one team, the teams of a region, or every team of the operation.</summary>
public enum OrderScope
{
    Team,
    Region,
    All,
}

/// <summary>A team lead's answer to an order.</summary>
public enum OrderAnswer
{
    Acknowledged,
    Unable,
}

/// <summary>The addressee of an order: <paramref name="Id"/> is the team or region (null for <see cref="OrderScope.All"/>).</summary>
public sealed record OrderTarget(OrderScope Scope, string? Id)
{
    public static OrderTarget Team(string id) => new(OrderScope.Team, id);

    public static OrderTarget Region(string id) => new(OrderScope.Region, id);

    public static readonly OrderTarget Everyone = new(OrderScope.All, null);

    /// <summary>
    /// The teams it reaches in <paramref name="state"/>: resolved by the reducer when the order is folded, so the
    /// recipients are those of that moment (a team added later is not addressed) and a replay finds the same ones.
    /// </summary>
    public ImmutableSortedSet<string> Resolve(OperationState state) => Scope switch
    {
        OrderScope.Team => Id is not null && state.Teams.ContainsKey(Id) ? [Id] : [],
        OrderScope.Region => Id is not null && state.Regions.TryGetValue(Id, out var r) ? r.TeamIds : [],
        _ => [.. state.Teams.Keys],
    };
}

/// <summary>
/// An order as command gives it: a kind, a short text, optionally a place and a time by which each team addressed must
/// acknowledge it, on the operation's clock: <paramref name="DueBy"/>, or <paramref name="DueInMinutes"/> after the order's
/// own server time (kept as given, so that a retry of the same request is the same request).
/// </summary>
public sealed record Order(OrderKind Kind, string Text, OrderTarget Target, GeoPoint? Place, DateTimeOffset? DueBy, int? DueInMinutes = null);

/// <summary>Command issued an order (the event's sequence number is the order's number).</summary>
public sealed record OrderIssued(Order Order) : EventPayload
{
    [JsonIgnore]
    public override string Kind => EventKinds.OrderIssued;
}

/// <summary>A team answered order <paramref name="OrderSeq"/>: acknowledged, or unable (with the reason).</summary>
public sealed record OrderAnswered(long OrderSeq, OrderAnswer Answer, string? Reason) : EventPayload
{
    [JsonIgnore]
    public override string Kind => EventKinds.OrderAnswered;
}

/// <summary>Command withdrew order <paramref name="OrderSeq"/>. The history keeps both.</summary>
public sealed record OrderCancelled(long OrderSeq, string? Reason) : EventPayload
{
    [JsonIgnore]
    public override string Kind => EventKinds.OrderCancelled;
}

/// <summary>Order <paramref name="OrderSeq"/> passed its time with <paramref name="TeamIds"/> not having answered.</summary>
public sealed record OrderOverdue(long OrderSeq, ImmutableArray<string> TeamIds) : EventPayload
{
    [JsonIgnore]
    public override string Kind => EventKinds.OrderOverdue;
}

/// <summary>A team called for help, with its position when the lead shares it. Never refused for its timing.</summary>
public sealed record DistressRaised(GeoPoint? Position) : EventPayload
{
    [JsonIgnore]
    public override string Kind => EventKinds.DistressRaised;
}

/// <summary>A commander took distress call <paramref name="DistressSeq"/>: command is on it (who and when is the event's).</summary>
public sealed record DistressTaken(long DistressSeq) : EventPayload
{
    [JsonIgnore]
    public override string Kind => EventKinds.DistressTaken;
}

/// <summary>The team withdrew its distress call (a false alarm, or the danger is over).</summary>
public sealed record DistressCancelled(long DistressSeq, string? Reason) : EventPayload
{
    [JsonIgnore]
    public override string Kind => EventKinds.DistressCancelled;
}

/// <summary>Distress call <paramref name="DistressSeq"/> was not taken within the escalation time.</summary>
public sealed record DistressEscalated(long DistressSeq) : EventPayload
{
    [JsonIgnore]
    public override string Kind => EventKinds.DistressEscalated;
}

/// <summary>One team's answer to an order: what, why (for Unable), when, by which event and whom.</summary>
public sealed record TeamAnswer(OrderAnswer Answer, string? Reason, DateTimeOffset At, long Seq, string Actor);

/// <summary>An order as of some point of the timeline: who it reached, who answered what, whether it is overdue or cancelled.</summary>
/// <param name="Seq">The OrderIssued event's sequence number: the order's number.</param>
/// <param name="DueBy">When every team addressed must have answered (the operation's clock), if the order says.</param>
/// <param name="Overdue">Teams that had not answered when the order's time passed.</param>
/// <param name="LastSeq">The last event that changed the order.</param>
public sealed record OrderState(
    long Seq,
    Order Order,
    DateTimeOffset IssuedAt,
    string IssuedBy,
    ImmutableSortedSet<string> Recipients,
    DateTimeOffset? DueBy,
    ImmutableSortedDictionary<string, TeamAnswer> Answers,
    ImmutableSortedSet<string> Overdue,
    DateTimeOffset? OverdueAt,
    DateTimeOffset? CancelledAt,
    string? CancelledBy,
    string? CancelReason,
    long LastSeq)
{
    public bool Cancelled => CancelledAt is not null;

    /// <summary>Not cancelled and some team addressed has not answered yet.</summary>
    public bool Open => !Cancelled && Answers.Count < Recipients.Count;

    /// <summary>Whether <paramref name="teamId"/> still owes an answer.</summary>
    public bool AwaitsAnswerFrom(string teamId) => !Cancelled && Recipients.Contains(teamId) && !Answers.ContainsKey(teamId);

    /// <summary>Recipients that have not answered.</summary>
    public IEnumerable<string> Unanswered => Recipients.Where(t => !Answers.ContainsKey(t));
}

/// <summary>A distress call as of some point of the timeline.</summary>
/// <param name="Seq">The first DistressRaised event's sequence number: the call's number.</param>
/// <param name="Presses">How many times the team raised it while it was open (a panicked second press joins the first).</param>
public sealed record DistressState(
    long Seq,
    string TeamId,
    DateTimeOffset RaisedAt,
    string RaisedBy,
    GeoPoint? Position,
    int Presses,
    DateTimeOffset? EscalatedAt,
    DateTimeOffset? TakenAt,
    string? TakenBy,
    DateTimeOffset? CancelledAt,
    string? CancelledBy,
    string? CancelReason,
    long LastSeq)
{
    /// <summary>Neither taken by command nor withdrawn by the team: every wall shows it as an alarm.</summary>
    public bool Open => TakenAt is null && CancelledAt is null;
}

/// <summary>What a team lead's page needs of command, as of event <paramref name="LastSeq"/>: the team, its orders and its calls.</summary>
public sealed record TeamOrders(long LastSeq, TeamState Team, ImmutableArray<OrderState> Orders, DistressState? Distress)
{
    public static TeamOrders? Of(OperationState state, string teamId) =>
        state.Teams.TryGetValue(teamId, out var team)
            ? new TeamOrders(state.LastSeq, team, [.. state.Orders.Values.Where(o => o.Recipients.Contains(teamId))],
                state.Distress.Values.LastOrDefault(d => d.TeamId == teamId))
            : null;
}
