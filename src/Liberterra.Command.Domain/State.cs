using System.Collections.Immutable;

namespace Liberterra.Command.Domain;

/// <summary>A team as of some point of the timeline.</summary>
/// <param name="LastReportAt">Server time of the team's last report or correction (its last check-in).</param>
/// <param name="LastSeq">Sequence number of the last event that changed this team.</param>
/// <param name="OverdueSince">When the team was flagged as not having checked in in time; cleared by its next report.</param>
public sealed record TeamState(
    TeamDefinition Definition,
    TeamStatus Status,
    Tally Totals,
    GeoPoint? Position,
    ImmutableSortedSet<ExploitationType> ExploitationFound,
    DateTimeOffset? LastReportAt,
    DateTimeOffset? LastClientTime,
    int ReportCount,
    long LastSeq,
    DateTimeOffset? OverdueSince = null)
{
    public string Id => Definition.Id;

    public static TeamState Initial(TeamDefinition definition) =>
        new(definition, TeamLifecycle.Initial, Tally.Zero, null, [], null, null, 0, 0);

    /// <summary>True once anything has been reported for the team.</summary>
    public bool HasActivity => ReportCount > 0;
}

/// <summary>A hotspot region as of some point of the timeline. Totals are the exact sum of its teams'.</summary>
public sealed record RegionState(
    RegionDefinition Definition,
    Tally Totals,
    ImmutableSortedSet<string> TeamIds,
    ImmutableSortedSet<ExploitationType> ExploitationFound,
    long LastSeq)
{
    public string Id => Definition.Id;
}

/// <summary>The whole operation as of sequence number <paramref name="LastSeq"/>: what the wall shows.</summary>
/// <param name="TeamsActive">Teams in an active status (<see cref="TeamLifecycle.IsActive"/>), kept by the reducer.</param>
/// <param name="TeamsCompleted">Teams whose status is Completed, kept by the reducer.</param>
/// <param name="TeamsOverdue">Teams flagged overdue and not yet checked in again, kept by the reducer.</param>
/// <param name="RaidsCompleted">Raids completed so far: every entry into Completed, never lowered when a team moves on.</param>
/// <param name="ReducerVersion">The <see cref="OperationReducer.Version"/> that folded this state. A stored state of an
/// older reducer lacks what the newer one keeps (raids completed, for one) and is folded again from the timeline.</param>
/// <param name="ClockSpeed">The definition's compressed clock, if an exercise has one (<see cref="OperationClock"/>).</param>
/// <param name="Orders">Orders issued (reducer version 3).</param>
/// <param name="Distress">Distress calls (reducer version 3).</param>
public sealed record OperationState(
    string Id,
    string Name,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    bool Exercise,
    Tally Totals,
    ImmutableSortedDictionary<string, RegionState> Regions,
    ImmutableSortedDictionary<string, TeamState> Teams,
    long LastSeq,
    DateTimeOffset? LastEventAt,
    int TeamsActive = 0,
    int TeamsCompleted = 0,
    int TeamsOverdue = 0,
    int RaidsCompleted = 0,
    int ReducerVersion = 0,
    double? ClockSpeed = null,
    ImmutableSortedDictionary<long, OrderState>? Orders = null,
    ImmutableSortedDictionary<long, DistressState>? Distress = null,
    ImmutableArray<AgencyDefinition> Agencies = default)
{
    /// <summary>The agencies of the definition (never a default array; empty for an operation without agencies).</summary>
    public ImmutableArray<AgencyDefinition> Agencies { get; init; } = Agencies.IsDefault ? [] : Agencies;

    /// <summary>Every order issued, by number (its OrderIssued event's sequence number).</summary>
    public ImmutableSortedDictionary<long, OrderState> Orders { get; init; } = Orders ?? ImmutableSortedDictionary<long, OrderState>.Empty;

    /// <summary>Every distress call, by number (its first DistressRaised event's sequence number).</summary>
    public ImmutableSortedDictionary<long, DistressState> Distress { get; init; } = Distress ?? ImmutableSortedDictionary<long, DistressState>.Empty;

    /// <summary>The team's distress call that is still open, if any.</summary>
    public DistressState? OpenDistressOf(string teamId) => Distress.Values.LastOrDefault(d => d.TeamId == teamId && d.Open);

    /// <summary>Whether the current reducer folded this state (a stored one of an older reducer is folded again).</summary>
    public bool IsCurrent => ReducerVersion == OperationReducer.Version;

    public OperationDefinition Definition => new(
        Id, Name, WindowStart, WindowEnd, Exercise,
        [.. Regions.Values.Select(r => r.Definition)],
        [.. Teams.Values.Select(t => t.Definition)],
        ClockSpeed,
        Agencies);
}
