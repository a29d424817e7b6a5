namespace Liberterra.Command.Contracts;

/// <summary>Victims rescued by group, their sum, and suspects arrested.</summary>
public sealed record TotalsView(int Children, int Women, int Men, int Rescued, int Arrested);

public sealed record PositionView(double Latitude, double Longitude);

/// <summary>
/// A team as the API shows it, with the statuses it may move to next. <see cref="Sharing"/> is <c>Summary</c> when the
/// team is another agency's shown in summary (no position, no exploitation found); null when it is shown in full.
/// </summary>
public sealed record TeamView(
    string Id,
    string Kind,
    string RegionId,
    string CallSign,
    string Agency,
    string Status,
    IReadOnlyList<string> AllowedNext,
    TotalsView Totals,
    PositionView? Position,
    IReadOnlyList<string> ExploitationFound,
    DateTimeOffset? LastReportAt,
    DateTimeOffset? LastClientTime,
    int ReportCount,
    long LastSeq,
    DateTimeOffset? OverdueSince = null,
    string? Sharing = null);

/// <summary>
/// An agency of the operation and what the others see of its teams: <see cref="Shares"/> is <c>Full</c>, <c>Summary</c>
/// or <c>CountsOnly</c>, except for the agencies in <see cref="FullWith"/>; a <see cref="Coordinator"/> sees everything.
/// </summary>
public sealed record AgencyView(string Id, string Name, string? CountryCode, string Kind, bool Coordinator, string Shares, IReadOnlyList<string> FullWith);

/// <summary>
/// Whose view a snapshot is: the credential's <see cref="Agency"/> (null for one of the whole operation), whether it
/// sees everything, and the other agencies by what it sees of their teams.
/// </summary>
public sealed record ViewerView(string? Agency, string? Name, string? CountryCode, bool SeesAll, IReadOnlyList<string> Full, IReadOnlyList<string> Summary, IReadOnlyList<string> CountsOnly);

/// <summary>
/// An operation's name, window, drill flag and clock, for a team lead's page: <see cref="ClockSpeed"/> is an exercise's
/// compressed clock (its time is windowStart + (real - windowStart) × clockSpeed), null for real time.
/// </summary>
public sealed record OperationHeaderView(string Id, string Name, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, bool Exercise, double? ClockSpeed);

public sealed record RegionView(
    string Id,
    string Name,
    string? CountryCode,
    PositionView Centroid,
    IReadOnlyList<string> ExploitationTypes,
    IReadOnlyList<string> ExploitationFound,
    TotalsView Totals,
    IReadOnlyList<string> TeamIds,
    long LastSeq);

/// <summary>An operation's snapshot: what a wall shows, as of sequence number <paramref name="LastSeq"/>.</summary>
/// <param name="TeamsCompleted">Teams in Completed now (a team leaves it when it starts its next raid).</param>
/// <param name="RaidsCompleted">Raids completed so far (entries into Completed): never goes down.</param>
/// <param name="ClockSpeed">An exercise's compressed clock: its time is windowStart + (real - windowStart) × clockSpeed;
/// null for real time.</param>
public sealed record OperationView(
    string Id,
    string Name,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    bool Exercise,
    TotalsView Totals,
    int TeamsActive,
    int TeamsCompleted,
    long LastSeq,
    DateTimeOffset? LastEventAt,
    IReadOnlyList<RegionView> Regions,
    IReadOnlyList<TeamView> Teams,
    int TeamsOverdue = 0,
    int RaidsCompleted = 0,
    double? ClockSpeed = null,
    IReadOnlyList<OrderView>? Orders = null,
    IReadOnlyList<DistressView>? Distress = null,
    IReadOnlyList<AgencyView>? Agencies = null,
    ViewerView? Viewer = null);

/// <summary>
/// An order as command sees it: what, to whom (<see cref="Scope"/> team, region or all, and <see cref="TargetId"/>),
/// the teams it reached, each team's answer, the teams that had not answered by its time, and its cancellation.
/// </summary>
public sealed record OrderView(
    long Seq,
    string Kind,
    string Text,
    string Scope,
    string? TargetId,
    PositionView? Place,
    DateTimeOffset? DueBy,
    DateTimeOffset IssuedAt,
    string IssuedBy,
    IReadOnlyList<string> Recipients,
    IReadOnlyList<TeamAnswerView> Answers,
    IReadOnlyList<string> Overdue,
    DateTimeOffset? OverdueAt,
    DateTimeOffset? CancelledAt,
    string? CancelledBy,
    string? CancelReason,
    bool Open,
    long LastSeq);

/// <summary>A team's answer to an order: <c>Acknowledged</c> or <c>Unable</c> (with the reason), when, by which event.</summary>
public sealed record TeamAnswerView(string TeamId, string Answer, string? Reason, DateTimeOffset At, long Seq, string Actor);

/// <summary>
/// An order as the team lead it was given to sees it: <see cref="State"/> is <c>open</c>, <c>acknowledged</c>,
/// <c>unable</c> or <c>cancelled</c>; <see cref="Overdue"/> when its time passed with no answer from this team.
/// Other teams' answers are not part of it.
/// </summary>
public sealed record TeamOrderView(
    long Seq,
    string Kind,
    string Text,
    string Scope,
    PositionView? Place,
    DateTimeOffset? DueBy,
    DateTimeOffset IssuedAt,
    string IssuedBy,
    string State,
    string? Reason,
    DateTimeOffset? AnsweredAt,
    bool Overdue,
    DateTimeOffset? CancelledAt,
    string? CancelReason,
    long LastSeq);

/// <summary>
/// A distress call: the team, where and when, how many presses, whether it escalated (not taken in time), who took it
/// and when, or when the team withdrew it. <see cref="Open"/> while neither taken nor withdrawn.
/// </summary>
public sealed record DistressView(
    long Seq,
    string TeamId,
    string? CallSign,
    string? RegionId,
    DateTimeOffset RaisedAt,
    string RaisedBy,
    PositionView? Position,
    DateTimeOffset? PositionAt,
    int Presses,
    DateTimeOffset? EscalatedAt,
    DateTimeOffset? TakenAt,
    string? TakenBy,
    DateTimeOffset? CancelledAt,
    string? CancelledBy,
    string? CancelReason,
    bool Open,
    long LastSeq);

/// <summary>What a team lead's page needs of command: the team's orders (newest first) and its latest distress call.</summary>
public sealed record TeamOrdersView(string OperationId, string TeamId, long LastSeq, IReadOnlyList<TeamOrderView> Orders, DistressView? Distress);

/// <summary>
/// The answer to an order, an answer, a cancellation or a distress action: the event's number and kind, and the order
/// (as command sees it, or as the team sees it) or distress call as it is after the event.
/// </summary>
public sealed record CommandAck(
    long Seq,
    string OperationId,
    string Kind,
    string IdempotencyKey,
    DateTimeOffset ServerTime,
    OrderView? Order = null,
    TeamOrderView? TeamOrder = null,
    DistressView? Distress = null);

/// <summary>One line of the operations list.</summary>
public sealed record OperationSummary(
    string Id,
    string Name,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    bool Exercise,
    TotalsView Totals,
    int Regions,
    int Teams,
    long LastSeq);

/// <summary>The answer to an accepted report or correction; a retry with the same key gets the same one.</summary>
public sealed record ReportAck(
    long Seq,
    string OperationId,
    string TeamId,
    string Kind,
    string IdempotencyKey,
    DateTimeOffset ServerTime,
    DateTimeOffset? ClientTime,
    string? Status,
    TotalsView Counts,
    IReadOnlyList<string> ExploitationTypes,
    PositionView? Position,
    string? Note,
    long? Corrects,
    string? Reason);

/// <summary>A page of a team's reports; <paramref name="Next"/> is the <c>after</c> for the next page, if any.</summary>
public sealed record TeamReportsPage(IReadOnlyList<ReportAck> Reports, long? Next);

/// <summary>
/// What an event changes in a region: its totals, the exploitation found there and its last sequence number. The
/// rest of a region (name, centroid, its teams) comes from the operation's definition, in the snapshot.
/// </summary>
public sealed record RegionChange(string Id, TotalsView Totals, IReadOnlyList<string> ExploitationFound, long LastSeq);

/// <summary>
/// One committed event as pushed to walls: apply in <see cref="Seq"/> order; it replaces the team and the totals it
/// carries and updates its region's changing part. A gap in the sequence means a missed delta: join again for a fresh
/// snapshot. <paramref name="Summary"/> is the event in words, as every screen shows it (notes apart).
/// </summary>
public sealed record OperationDelta(
    long Seq,
    string OperationId,
    string Kind,
    DateTimeOffset ServerTime,
    string? TeamId,
    ReportAck? Report,
    TeamView? Team,
    RegionChange? Region,
    TotalsView Totals,
    int TeamsActive,
    int TeamsCompleted,
    int TeamsOverdue,
    int RaidsCompleted,
    string Summary,
    OrderView? Order = null,
    DistressView? Distress = null,
    PhraseView? Phrase = null,
    MessageEntry? Message = null);

/// <summary>
/// One event of the timeline as the debrief reads it: a report or correction (<see cref="Report"/>), a check-in found
/// overdue (<see cref="LastCheckIn"/>), or the operation's (re)definition (<see cref="Definition"/>).
/// <paramref name="Summary"/> is the event in words, as every screen shows it (notes apart).
/// </summary>
public sealed record TimelineEntry(
    long Seq,
    string Kind,
    DateTimeOffset ServerTime,
    DateTimeOffset? ClientTime,
    string Actor,
    string? TeamId,
    string? RegionId,
    string IdempotencyKey,
    ReportAck? Report,
    DateTimeOffset? LastCheckIn,
    int? IntervalMinutes,
    DefinitionSummary? Definition,
    string Summary,
    OrderEntry? Order = null,
    DistressEntry? Distress = null,
    PhraseView? Phrase = null,
    PositionView? Position = null,
    MessageEntry? Message = null);

/// <summary>A team's message to command (a <c>MessageSent</c>): its text and the device it came from.</summary>
public sealed record MessageEntry(string Text, string Source);

/// <summary>
/// What an order event says: the order's number; for an OrderIssued its kind, text, target, place and time; for an
/// answer the answer and reason; for a cancellation the reason; for an OrderOverdue the teams that had not answered.
/// </summary>
public sealed record OrderEntry(
    long OrderSeq,
    string? Kind = null,
    string? Text = null,
    string? Scope = null,
    string? TargetId = null,
    PositionView? Place = null,
    DateTimeOffset? DueBy = null,
    string? Answer = null,
    string? Reason = null,
    IReadOnlyList<string>? TeamIds = null);

/// <summary>What a distress event says: the call's number, the position a press gave, a withdrawal's reason.</summary>
public sealed record DistressEntry(long DistressSeq, PositionView? Position = null, string? Reason = null);

/// <summary>
/// What an OperationDefined event set: the name, the window, the drill flag, how many regions and teams, and an
/// exercise's compressed clock (its events' times run clockSpeed times faster than real time).
/// </summary>
public sealed record DefinitionSummary(string Name, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, bool Exercise, int Regions, int Teams, double? ClockSpeed = null);

/// <summary>An event on the significant-events lane: the mark (who, when, why) and the event it marks.</summary>
public sealed record SignificantEntry(long Seq, string Title, string MarkedBy, DateTimeOffset MarkedAt, TimelineEntry Event);

/// <summary>
/// The after-action report's figures, computed from the whole timeline by one pass: totals by day and by region,
/// each team's status intervals (for a Gantt chart), the overdue check-ins and the significant events.
/// </summary>
public sealed record AfterActionReport(
    string OperationId,
    string Name,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    bool Exercise,
    DateTimeOffset FirstEvent,
    DateTimeOffset LastEvent,
    long LastSeq,
    TotalsView Totals,
    int Reports,
    int Corrections,
    IReadOnlyList<DayTotals> Days,
    IReadOnlyList<RegionReport> Regions,
    IReadOnlyList<TeamReport> Teams,
    IReadOnlyList<OverdueReport> Overdue,
    IReadOnlyList<SignificantEntry> Significant,
    IReadOnlyList<OrderReport>? Orders = null,
    IReadOnlyList<OrderKindFigures>? OrderKinds = null,
    IReadOnlyList<DistressReport>? Distress = null);

/// <summary>
/// One order in the after-action report: whom it reached, how many acknowledged, were unable or never answered, and the
/// time to acknowledge (seconds of the operation's clock from issue to each team's acknowledgement: median and slowest).
/// <see cref="Target"/> says whom in English; <see cref="Scope"/> and <see cref="TargetId"/> say it as data.
/// </summary>
public sealed record OrderReport(
    long Seq, string Kind, string Target, DateTimeOffset IssuedAt, string IssuedBy, DateTimeOffset? DueBy, int Recipients,
    int Acknowledged, int Unable, int Unanswered, int Overdue, bool Cancelled, double? MedianSecondsToAcknowledge,
    double? SlowestSecondsToAcknowledge, string? Scope = null, string? TargetId = null);

/// <summary>Per order kind: orders, acknowledgements, and the median time to acknowledge over every team's acknowledgement.</summary>
public sealed record OrderKindFigures(string Kind, int Orders, int Acknowledgements, double? MedianSecondsToAcknowledge);

/// <summary>One distress call in the after-action report: raised, escalated, taken or withdrawn, and how long it waited.</summary>
public sealed record DistressReport(
    long Seq, string TeamId, DateTimeOffset RaisedAt, DateTimeOffset? EscalatedAt, DateTimeOffset? TakenAt, string? TakenBy,
    DateTimeOffset? CancelledAt, double? SecondsToTake);

/// <summary>One UTC day: what was reported that day (corrections count on the day they were made).</summary>
public sealed record DayTotals(DateOnly Day, TotalsView Totals, int Reports);

public sealed record RegionReport(string Id, string Name, string? CountryCode, TotalsView Totals, int Teams, int Reports);

/// <summary>A team's totals and the statuses it went through, each from one instant to the next.</summary>
public sealed record TeamReport(string Id, string CallSign, string RegionId, string Kind, TotalsView Totals, int Reports, IReadOnlyList<StatusInterval> Statuses);

public sealed record StatusInterval(string Status, DateTimeOffset From, DateTimeOffset To);

public sealed record OverdueReport(long Seq, string TeamId, DateTimeOffset FlaggedAt, DateTimeOffset LastCheckIn);

/// <summary>How many events fell in each of <see cref="Counts"/>' equal spans of server time from <see cref="From"/> to <see cref="To"/>.</summary>
public sealed record TimelineHistogram(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<int> Counts);

/// <summary>A page of the timeline; <paramref name="Next"/> is the <c>after</c> for the next page, if any.</summary>
public sealed record TimelinePage(IReadOnlyList<TimelineEntry> Events, long? Next);

/// <summary>
/// One line of the wall's ticker: a report or correction (<see cref="Report"/>), or a check-in found overdue
/// (<see cref="LastCheckIn"/>). Newest first. <paramref name="Summary"/> is the event in words (notes apart).
/// </summary>
public sealed record TickerEntry(
    long Seq,
    string Kind,
    DateTimeOffset ServerTime,
    string? TeamId,
    ReportAck? Report,
    DateTimeOffset? LastCheckIn,
    string Summary,
    PhraseView? Phrase = null);

/// <summary>
/// An event as data for words in any language: <see cref="Key"/> names the phrase (<c>report</c>, <c>correction</c>,
/// <c>order-issued</c>...) and <see cref="Args"/> its values as invariant text (statuses and kinds by name, signed
/// counts, times in ISO 8601 UTC). The pages word it from their catalogs; <c>summary</c> is the same in English.
/// </summary>
public sealed record PhraseView(string Key, IReadOnlyDictionary<string, string> Args);

/// <summary>
/// Rescues and arrests per hotspot region over time, by server time: bucket <c>i</c> covers
/// [<see cref="From"/> + i × <see cref="BucketMinutes"/>, + one bucket). The last bucket holds <see cref="Now"/>.
/// </summary>
public sealed record ActivityView(
    string OperationId,
    DateTimeOffset From,
    int BucketMinutes,
    int Buckets,
    DateTimeOffset Now,
    IReadOnlyList<RegionActivity> Regions);

/// <summary>One region's rescued (children + women + men) and arrested per bucket.</summary>
public sealed record RegionActivity(string RegionId, IReadOnlyList<int> Rescued, IReadOnlyList<int> Arrested);

/// <summary>A replay to start: the operation, the part of its timeline (server time; default all), and the speed.</summary>
/// <summary>What to replay, how fast, and whether it starts paused (the debrief does: nothing plays before the debriefer says so).</summary>
public sealed record ReplayRequest(string OperationId, DateTimeOffset? From = null, DateTimeOffset? To = null, double Speed = 60, bool Paused = false);

/// <summary>
/// A started replay: it plays events <see cref="FirstSeq"/> to <see cref="LastSeq"/>, starting from
/// <see cref="Snapshot"/> (the operation just before the first of them).
/// </summary>
public sealed record ReplayStarted(string ReplayId, string OperationId, long FirstSeq, long LastSeq, DateTimeOffset StartTime, DateTimeOffset EndTime,
    double Speed, OperationView Snapshot);

/// <summary>
/// A control of a running replay. <see cref="Action"/>: <c>pause</c>, <c>resume</c>, <c>speed</c> (with
/// <see cref="Speed"/>), <c>seek</c> (to after event <see cref="Seq"/>, or to the instant <see cref="At"/>), <c>step</c>
/// (one event forward, or back with <see cref="Seq"/> = -1), <c>stop</c>.
/// </summary>
public sealed record ReplayControl(string ReplayId, string Action, double? Speed = null, long? Seq = null, DateTimeOffset? At = null);

/// <summary>Where a replay stands: <c>playing</c>, <c>paused</c> or <c>ended</c>, its speed, the last event applied and the replay clock.</summary>
public sealed record ReplayStatus(string ReplayId, string State, double Speed, long Seq, DateTimeOffset ReplayTime);

/// <summary>The replay hub's names.</summary>
public static class ReplayMessages
{
    public const string Path = "/hubs/replay";

    /// <summary>(replayId, OperationView, replay time): the state after a seek or a step back; apply deltas above its seq.</summary>
    public const string Snapshot = "replaySnapshot";

    /// <summary>(replayId, OperationDelta[]): events as they are replayed, in sequence order.</summary>
    public const string Deltas = "replayDeltas";

    /// <summary>(ReplayStatus): after every control and when the replay reaches its end.</summary>
    public const string Status = "replayStatus";
}

/// <summary>The names of the live hub's server-to-client messages.</summary>
public static class HubMessages
{
    public const string Path = "/hubs/operations";

    /// <summary>A batch of <see cref="OperationDelta"/>, in sequence order.</summary>
    public const string Deltas = "deltas";
}

/// <summary>
/// The field hub: a team lead's page joins its team (<c>JoinTeam(operationId, teamId)</c>, answered with a
/// <see cref="TeamOrdersView"/>) and then receives <see cref="Changed"/> whenever an order or distress call of that team
/// changes. Only the team's own leads (and admins) may join.
/// </summary>
public static class FieldMessages
{
    public const string Path = "/hubs/field";

    /// <summary>(<see cref="FieldChange"/>): one order or the distress call of the team, as it is after event <c>Seq</c>.</summary>
    public const string Changed = "teamChanged";
}

/// <summary>
/// An order of the team or its distress call changed (event <see cref="Seq"/>): replace the one with the same number if
/// this one's <c>LastSeq</c> is newer.
/// </summary>
public sealed record FieldChange(string OperationId, string TeamId, long Seq, TeamOrderView? Order, DistressView? Distress);
