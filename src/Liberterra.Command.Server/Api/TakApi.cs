using System.Text.Json.Serialization;
using Liberterra.Command.Domain;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Server.Tak;
using Liberterra.Command.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Liberterra.Command.Server.Api;

/// <summary>
/// TAK devices of an operation: enrol one (a client certificate from the deployment's TAK CA, bound to one team or to
/// command, returned as a data package ATAK imports in one tap), list them, revoke one. Command staff; an agency's
/// commander for its own teams only, as for orders.
/// </summary>
public static class TakApi
{
    public const string SerialHeader = "Liberterra-Tak-Serial";

    public static IEndpointRouteBuilder MapTakApi(this IEndpointRouteBuilder app)
    {
        var devices = app.MapGroup("/api/operations/{operationId}/tak/devices").WithTags("TAK").RequireAuthorization(Policies.ManageOperations);
        devices.MapPost("/", Enrol).WithName("EnrolTakDevice");
        devices.MapGet("/", List).WithName("ListTakDevices");
        devices.MapPost("/{serial}/revoke", Revoke).WithName("RevokeTakDevice");
        return app;
    }

    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    public sealed record EnrolRequest(string? TeamId = null, string? Device = null);

    public sealed record TakDeviceView(string Serial, string? TeamId, string Device, DateTimeOffset IssuedAt, string IssuedBy, DateTimeOffset? RevokedAt, string? RevokedBy);

    private static TakDeviceView ToView(TakDevice d) => new(d.Serial, d.TeamId, d.Device, d.IssuedAt, d.IssuedBy, d.RevokedAt, d.RevokedBy);

    private static async Task<IResult> Enrol(string operationId, EnrolRequest request, IGrainFactory grains, TakAuthority authority, ITakDevices registry,
        TakOptions options, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (OperationRules.ValidateDeviceName(request.Device?.Trim()) is { } badName) return Problems.From(badName);
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);
        var view = Scope.ViewOf(http.User, state);
        if (Reach(view, state, request.TeamId) is { } refused) return Problems.From(refused);

        var now = clock.GetUtcNow();
        var device = request.Device!.Trim();
        using var certificate = authority.IssueDevice(operationId, request.TeamId, device, now);
        var serial = TakAuthority.SerialOf(certificate);
        await registry.AddAsync(new TakDevice(serial, operationId, request.TeamId, device, now, Actors.Of(http)), ct);
        var package = TakDataPackage.Build(authority, certificate, operationId, device, options.Host ?? http.Request.Host.Host, options.Port);
        http.Response.Headers[SerialHeader] = serial;
        http.Response.Headers.Location = $"/api/operations/{operationId}/tak/devices/{serial}";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"liberterra-{operationId}-{serial[..8]}.zip\"";
        http.Response.StatusCode = StatusCodes.Status201Created;
        http.Response.ContentType = "application/zip";
        await http.Response.Body.WriteAsync(package, ct);
        return Results.Empty;
    }

    /// <summary>
    /// Who may enrol or revoke a device of a team: command staff of the operation, an agency's for its own teams; a
    /// command device (no team) sees everything, so only a credential that does enrols one.
    /// </summary>
    private static DomainError? Reach(Viewpoint view, OperationState state, string? teamId)
    {
        if (teamId is null)
            return view.SeesAll ? null : DomainError.Forbidden(RuleCodes.OtherAgency, "A command device sees the whole operation: a coordinator or an admin enrols it.", "teamId");
        if (!state.Teams.ContainsKey(teamId) || view.Hides(teamId))
            return DomainError.Invalid("teamId", RuleCodes.UnknownTeam, $"no team '{OperationLookup.Shown(teamId).Trim('\'')}' in this operation", OperationRules.IsValidId(teamId) ? [("id", teamId)] : []);
        return view.Rules.Manages(view.Agency, teamId) ? null : DomainError.Forbidden(RuleCodes.OtherAgency, $"Team '{teamId}' is another agency's: its own command enrols its devices.", "teamId", ("id", teamId));
    }

    private static async Task<Results<Ok<TakDeviceView[]>, ProblemHttpResult>> List(string operationId, IGrainFactory grains, ITakDevices registry, HttpContext http, CancellationToken ct)
    {
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);
        var view = Scope.ViewOf(http.User, state);
        var devices = await registry.ListAsync(operationId, ct);
        return TypedResults.Ok(devices.Where(d => view.SeesAll || (d.TeamId is { } team && view.Rules.Manages(view.Agency, team))).Select(ToView).ToArray());
    }

    private static async Task<Results<Ok<TakDeviceView>, ProblemHttpResult>> Revoke(string operationId, string serial, IGrainFactory grains, ITakDevices registry,
        TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);
        var view = Scope.ViewOf(http.User, state);
        var device = System.Text.RegularExpressions.Regex.IsMatch(serial, "^[0-9A-F]{32}$") ? await registry.FindAsync(serial, ct) : null;
        // A device of a team this agency does not manage is not there for it.
        if (device is null || device.OperationId != operationId || !(view.SeesAll || (device.TeamId is { } team && view.Rules.Manages(view.Agency, team))))
            return Problems.From(DomainError.NotFound(RuleCodes.DeviceNotFound, $"No TAK device with that serial in operation {OperationLookup.Shown(operationId)}."));
        var revoked = await registry.RevokeAsync(operationId, serial, Actors.Of(http), clock.GetUtcNow(), ct);
        return TypedResults.Ok(ToView(revoked!));
    }
}
