using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Liberterra.Command.Domain;

/// <summary>One entry of the operation timeline: the only thing state is ever computed from.</summary>
/// <param name="Seq">Gap-free, per-operation sequence number, starting at 1.</param>
/// <param name="ServerTime">When the server accepted it (the clock that orders the timeline).</param>
/// <param name="ClientTime">When the lead made it, by the device's clock (kept for the debrief, never used to order).</param>
/// <param name="Actor">Who made it (credential subject).</param>
/// <param name="TeamId">The team it concerns, if any.</param>
/// <param name="IdempotencyKey">Client-generated key, unique per operation.</param>
public sealed record TimelineEvent(
    long Seq,
    string OperationId,
    DateTimeOffset ServerTime,
    DateTimeOffset? ClientTime,
    string Actor,
    string? TeamId,
    string IdempotencyKey,
    EventPayload Payload)
{
    /// <summary>The event kind, as stored in the timeline's kind column.</summary>
    [JsonIgnore]
    public string Kind => Payload.Kind;
}

/// <summary>What happened. The type discriminator is the event kind.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(OperationDefined), EventKinds.OperationDefined)]
[JsonDerivedType(typeof(FieldReported), EventKinds.FieldReported)]
[JsonDerivedType(typeof(ReportCorrected), EventKinds.ReportCorrected)]
[JsonDerivedType(typeof(CheckInOverdue), EventKinds.CheckInOverdue)]
[JsonDerivedType(typeof(OrderIssued), EventKinds.OrderIssued)]
[JsonDerivedType(typeof(OrderAnswered), EventKinds.OrderAnswered)]
[JsonDerivedType(typeof(OrderCancelled), EventKinds.OrderCancelled)]
[JsonDerivedType(typeof(OrderOverdue), EventKinds.OrderOverdue)]
[JsonDerivedType(typeof(DistressRaised), EventKinds.DistressRaised)]
[JsonDerivedType(typeof(DistressTaken), EventKinds.DistressTaken)]
[JsonDerivedType(typeof(DistressCancelled), EventKinds.DistressCancelled)]
[JsonDerivedType(typeof(DistressEscalated), EventKinds.DistressEscalated)]
[JsonDerivedType(typeof(PositionReported), EventKinds.PositionReported)]
[JsonDerivedType(typeof(MessageSent), EventKinds.MessageSent)]
public abstract record EventPayload
{
    [JsonIgnore]
    public abstract string Kind { get; }
}

/// <summary>The event kinds, as strings stored and shown.</summary>
public static class EventKinds
{
    public const string OperationDefined = "OperationDefined";
    public const string FieldReported = "FieldReported";
    public const string ReportCorrected = "ReportCorrected";
    public const string CheckInOverdue = "CheckInOverdue";
    public const string OrderIssued = "OrderIssued";
    public const string OrderAnswered = "OrderAnswered";
    public const string OrderCancelled = "OrderCancelled";
    public const string OrderOverdue = "OrderOverdue";
    public const string DistressRaised = "DistressRaised";
    public const string DistressTaken = "DistressTaken";
    public const string DistressCancelled = "DistressCancelled";
    public const string DistressEscalated = "DistressEscalated";
    public const string PositionReported = "PositionReported";
    public const string MessageSent = "MessageSent";

    /// <summary>A change a viewer may see only in the totals (<see cref="WithheldChange"/>); never stored.</summary>
    public const string Withheld = "Withheld";
}

/// <summary>The operation was created or its definition replaced.</summary>
public sealed record OperationDefined(OperationDefinition Definition) : EventPayload
{
    [JsonIgnore]
    public override string Kind => EventKinds.OperationDefined;
}

/// <summary>A team lead's field report. Counts are increments since the team's previous report.</summary>
public sealed record FieldReported(FieldReport Report) : EventPayload
{
    [JsonIgnore]
    public override string Kind => EventKinds.FieldReported;
}

/// <summary>An explicit correction of earlier counts. History is never edited.</summary>
public sealed record ReportCorrected(Correction Correction) : EventPayload
{
    [JsonIgnore]
    public override string Kind => EventKinds.ReportCorrected;
}

/// <summary>An active team has not checked in for <paramref name="IntervalMinutes"/>; its next report clears it.</summary>
public sealed record CheckInOverdue(DateTimeOffset LastCheckIn, int IntervalMinutes) : EventPayload
{
    [JsonIgnore]
    public override string Kind => EventKinds.CheckInOverdue;
}

/// <summary>
/// A team's position from one of its devices (a TAK device's position report), sampled: at most one per team every
/// Tak:SampleSeconds. It moves the team on every map and replays in the debrief; it is not a check-in (a report is).
/// </summary>
public sealed record PositionReported(GeoPoint Position, string Source) : EventPayload
{
    [JsonIgnore]
    public override string Kind => EventKinds.PositionReported;
}

/// <summary>
/// A team's message to command, from one of its devices (a TAK device's GeoChat). It is read on the command page, the
/// wall's ticker and the debrief; it changes nothing else (not a check-in). Command answers with an order (a Message).
/// </summary>
public sealed record MessageSent(string Text, string Source) : EventPayload
{
    /// <summary>The longest message kept (a GeoChat line is short; longer is refused, not cut).</summary>
    public const int MaxText = 1000;

    [JsonIgnore]
    public override string Kind => EventKinds.MessageSent;
}

/// <summary>The body of a field report: every part optional, counts are increments.</summary>
public sealed record FieldReport(
    TeamStatus? Status,
    Tally Counts,
    ImmutableArray<ExploitationType> ExploitationTypes,
    GeoPoint? Position,
    string? Note);

/// <summary>Signed deltas that fix a miscount in the report <paramref name="CorrectsSeq"/>, with the reason.</summary>
public sealed record Correction(long CorrectsSeq, Tally Delta, string Reason);

/// <summary>Times as the timeline keeps them: UTC, to the microsecond (PostgreSQL's precision).</summary>
public static class TimelineClock
{
    public static DateTimeOffset Normalize(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
    }

    public static DateTimeOffset? Normalize(DateTimeOffset? time) => time is { } t ? Normalize(t) : null;
}

/// <summary>The event a correction names in <c>corrects</c>, as the timeline holds it: whose it is and what kind.</summary>
public sealed record CorrectionTarget(long Seq, string? TeamId, string Kind)
{
    public static CorrectionTarget Of(TimelineEvent e) => new(e.Seq, e.TeamId, e.Kind);
}
