using System.Collections.Immutable;

namespace Liberterra.Command.Domain;

/// <summary>The kinds of unit deployed in an operation.</summary>
public enum TeamKind
{
    RaidTeam,
    BorderCheckpoint,
    FlightMonitoringDesk,
    SpecialTaskForce,
}

/// <summary>Where a team is in its lifecycle. Allowed moves are data in <see cref="TeamLifecycle"/>.</summary>
public enum TeamStatus
{
    Standby,
    Briefed,
    EnRoute,
    OnSite,
    Engaged,
    Extracting,
    Completed,
    Holding,
    Aborted,
}

/// <summary>The kinds of exploitation a team can find (Liberterra II categories).</summary>
public enum ExploitationType
{
    ForcedLabour,
    SexualExploitation,
    DomesticServitude,
    ForcedBegging,
    Other,
}

/// <summary>A WGS84 position.</summary>
public sealed record GeoPoint(double Latitude, double Longitude);

/// <summary>Counts of victims rescued (by group) and suspects arrested. Used for increments, deltas and totals.</summary>
public sealed record Tally(int Children, int Women, int Men, int Arrested)
{
    public static readonly Tally Zero = new(0, 0, 0, 0);

    /// <summary>All victims rescued: children + women + men.</summary>
    public int Rescued => Children + Women + Men;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsZero => Children == 0 && Women == 0 && Men == 0 && Arrested == 0;

    public Tally Add(Tally other) =>
        new(Children + other.Children, Women + other.Women, Men + other.Men, Arrested + other.Arrested);

    public Tally Subtract(Tally other) =>
        new(Children - other.Children, Women - other.Women, Men - other.Men, Arrested - other.Arrested);
}

/// <summary>What an operation is: identity, planned window, drill flag, regions and teams.</summary>
/// <param name="ClockSpeed">An exercise's compressed clock (<see cref="OperationClock"/>): how many times faster than real
/// time it runs from <paramref name="WindowStart"/>; null for real time.</param>
public sealed record OperationDefinition(
    string Id,
    string Name,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    bool Exercise,
    ImmutableArray<RegionDefinition> Regions,
    ImmutableArray<TeamDefinition> Teams,
    double? ClockSpeed = null,
    ImmutableArray<AgencyDefinition> Agencies = default)
{
    /// <summary>
    /// The agencies taking part (<see cref="AgencyRules"/>): when there are any, every team's <see cref="TeamDefinition.Agency"/>
    /// names one of them and need-to-know applies; with none, everyone sees everything. Never a default array.
    /// </summary>
    public ImmutableArray<AgencyDefinition> Agencies { get; init; } = Agencies.IsDefault ? [] : Agencies;
}

/// <summary>A hotspot region: a country or part of one.</summary>
public sealed record RegionDefinition(
    string Id,
    string Name,
    string? CountryCode,
    GeoPoint Centroid,
    ImmutableArray<ExploitationType> ExploitationTypes);

/// <summary>
/// A unit in the field, bound to one hotspot region. <paramref name="Agency"/> is the id of the agency it belongs to when
/// the operation lists agencies, free text otherwise.
/// </summary>
public sealed record TeamDefinition(
    string Id,
    TeamKind Kind,
    string RegionId,
    string CallSign,
    string Agency);
