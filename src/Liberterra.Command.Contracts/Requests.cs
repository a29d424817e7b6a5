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
    double? ClockSpeed = null);

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
