using System.Text.Json.Serialization;

namespace Liberterra.Command.Contracts;

// Requests take enums as strings and numbers as nullable so that a wrong value is answered with a 422 naming the
// field, and unknown members are refused so that a misspelt "childern" is not silently read as zero.

/// <summary>A field report: every part optional; counts are increments since the team's previous report.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FieldReportRequest(
    string? Status = null,
    int? Children = null,
    int? Women = null,
    int? Men = null,
    int? Arrested = null,
    IReadOnlyList<string>? ExploitationTypes = null,
    PositionRequest? Position = null,
    string? Note = null,
    DateTimeOffset? ClientTime = null);

/// <summary>A correction of earlier counts: signed deltas, the report it corrects, and why.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CorrectionRequest(
    long? Corrects = null,
    int? Children = null,
    int? Women = null,
    int? Men = null,
    int? Arrested = null,
    string? Reason = null,
    DateTimeOffset? ClientTime = null);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PositionRequest(double? Latitude = null, double? Longitude = null);

/// <summary>An operation's definition for <c>PUT /api/operations/{operationId}</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record OperationDefinitionRequest(
    string? Id = null,
    string? Name = null,
    DateTimeOffset? WindowStart = null,
    DateTimeOffset? WindowEnd = null,
    bool? Exercise = null,
    IReadOnlyList<RegionRequest>? Regions = null,
    IReadOnlyList<TeamRequest>? Teams = null,
    double? ClockSpeed = null,
    IReadOnlyList<AgencyRequest>? Agencies = null);

/// <summary>
/// An agency of the operation: its id (what its teams' <c>agency</c> names), name, country, kind (NationalPolice,
/// BorderService, CoordinationCentre, Other), whether it is a coordinator (sees everything), and what the other agencies
/// see of its teams: <see cref="Shares"/> Full, Summary (the default) or CountsOnly, except <see cref="FullWith"/>, which see them in full.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AgencyRequest(
    string? Id = null,
    string? Name = null,
    string? CountryCode = null,
    string? Kind = null,
    bool? Coordinator = null,
    string? Shares = null,
    IReadOnlyList<string>? FullWith = null);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RegionRequest(
    string? Id = null,
    string? Name = null,
    string? CountryCode = null,
    PositionRequest? Centroid = null,
    IReadOnlyList<string>? ExploitationTypes = null);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TeamRequest(
    string? Id = null,
    string? Kind = null,
    string? RegionId = null,
    string? CallSign = null,
    string? Agency = null);

/// <summary>Marks an event of the timeline as significant, with a short title.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record MarkRequest(long? Seq = null, string? Title = null);

/// <summary>
/// An order from command: a kind (Proceed, Hold, Abort, Reposition, Report, Message), a short text, exactly one target
/// (<see cref="TeamId"/>, <see cref="RegionId"/> or <see cref="All"/>), optionally a place and a time to acknowledge by:
/// <see cref="DueBy"/> (the operation's clock) or <see cref="DueInMinutes"/> from now, not both.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record OrderRequest(
    string? Kind = null,
    string? Text = null,
    string? TeamId = null,
    string? RegionId = null,
    bool? All = null,
    PositionRequest? Place = null,
    DateTimeOffset? DueBy = null,
    int? DueInMinutes = null);

/// <summary>A team lead's answer to an order: <c>Acknowledged</c>, or <c>Unable</c> with the reason.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record OrderAnswerRequest(string? Answer = null, string? Reason = null, DateTimeOffset? ClientTime = null);

/// <summary>Why an order (command) or a distress call (the team) is withdrawn; optional.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CancelRequest(string? Reason = null, DateTimeOffset? ClientTime = null);

/// <summary>A distress call: the team's position when the lead shares it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DistressRequest(PositionRequest? Position = null, DateTimeOffset? ClientTime = null);
