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
    int TeamsOverdue = 0);

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
/// One committed event as pushed to walls: apply in <see cref="Seq"/> order; it replaces the team, the region and the
/// totals it carries. A gap in the sequence means a missed delta: join again for a fresh snapshot.
/// </summary>
public sealed record OperationDelta(
    long Seq,
    string OperationId,
    string Kind,
    DateTimeOffset ServerTime,
    string? TeamId,
    ReportAck? Report,
    TeamView? Team,
    RegionView? Region,
    TotalsView Totals,
    int TeamsActive,
    int TeamsCompleted,
    int TeamsOverdue = 0);

/// <summary>
/// One event of the timeline as the debrief reads it: a report or correction (<see cref="Report"/>), a check-in found
/// overdue (<see cref="LastCheckIn"/>), or the operation's (re)definition (<see cref="Definition"/>).
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
    DefinitionSummary? Definition);

/// <summary>What an OperationDefined event set: the name, the window, the drill flag and how many regions and teams.</summary>
public sealed record DefinitionSummary(string Name, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, bool Exercise, int Regions, int Teams);

/// <summary>A page of the timeline; <paramref name="Next"/> is the <c>after</c> for the next page, if any.</summary>
public sealed record TimelinePage(IReadOnlyList<TimelineEntry> Events, long? Next);

/// <summary>
/// One line of the wall's ticker: a report or correction (<see cref="Report"/>), or a check-in found overdue
/// (<see cref="LastCheckIn"/>). Newest first.
/// </summary>
public sealed record TickerEntry(
    long Seq,
    string Kind,
    DateTimeOffset ServerTime,
    string? TeamId,
    ReportAck? Report,
    DateTimeOffset? LastCheckIn);

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

/// <summary>The names of the live hub's server-to-client messages.</summary>
public static class HubMessages
{
    public const string Path = "/hubs/operations";

    /// <summary>A batch of <see cref="OperationDelta"/>, in sequence order.</summary>
    public const string Deltas = "deltas";
}
