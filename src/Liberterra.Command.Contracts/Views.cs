namespace Liberterra.Command.Contracts;

/// <summary>Victims rescued by group, their sum, and suspects arrested.</summary>
public sealed record TotalsView(int Children, int Women, int Men, int Rescued, int Arrested);

public sealed record PositionView(double Latitude, double Longitude);

/// <summary>A team as the API shows it, with the statuses it may move to next.</summary>
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
    DateTimeOffset? OverdueSince = null);

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
    double? ClockSpeed = null);

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
    string Summary);

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
    string Summary);

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
    IReadOnlyList<SignificantEntry> Significant);

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
    string Summary);

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
