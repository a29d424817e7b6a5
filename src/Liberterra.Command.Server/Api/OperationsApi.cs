using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Grains;
using Liberterra.Command.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Liberterra.Command.Server.Api;

/// <summary>Operations, their hotspot regions and teams: define and read.</summary>
public static class OperationsApi
{
    /// <summary>A definition with thousands of teams is a few megabytes at most.</summary>
    public const long MaxDefinitionBytes = 8 * 1024 * 1024;

    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/operations").WithTags("Operations");
        api.MapGet("/", ListOperations).WithName("ListOperations");
        api.MapGet("/{operationId}", GetOperation).WithName("GetOperation");
        api.MapPut("/{operationId}", PutOperation).WithName("PutOperation")
            .WithMetadata(new BodySizeLimit(MaxDefinitionBytes));
        api.MapGet("/{operationId}/teams/{teamId}", GetTeam).WithName("GetTeam");
        api.MapGet("/{operationId}/regions/{regionId}", GetRegion).WithName("GetRegion");
        return app;
    }

    private static async Task<Ok<OperationSummary[]>> ListOperations(
        ITimelineStore timeline, IGrainFactory grains, CancellationToken ct)
    {
        var ids = await timeline.ListOperationsAsync(ct);
        var states = await Task.WhenAll(ids.Select(id => grains.GetGrain<IOperationGrain>(id).GetState()));
        return TypedResults.Ok(states.OfType<OperationState>().Select(s => s.ToSummary()).ToArray());
    }

    private static async Task<Results<Ok<OperationView>, ProblemHttpResult>> GetOperation(
        string operationId, IGrainFactory grains)
    {
        var state = OperationRules.IsValidId(operationId)
            ? await grains.GetGrain<IOperationGrain>(operationId).GetState()
            : null;
        return state is null ? NoOperation(operationId) : TypedResults.Ok(state.ToView());
    }

    private static async Task<Results<Created<OperationView>, Ok<OperationView>, ProblemHttpResult>> PutOperation(
        string operationId, OperationDefinitionRequest definition, IGrainFactory grains, HttpContext http)
    {
        if (!OperationRules.IsValidId(operationId))
            return Problems.From(DomainError.Invalid("operationId", "must be 1-64 letters, digits, '_', '.' or '-'"));
        var (parsed, error) = RequestMapping.ToDomain(operationId, definition);
        if (error is not null) return Problems.From(error);

        var outcome = await grains.GetGrain<IOperationGrain>(operationId).Define(parsed!, Actors.Of(http));
        return outcome switch
        {
            { Error: { } refused } => Problems.From(refused),
            { Result: DefineResult.Created, State: { } s } => TypedResults.Created($"/api/operations/{operationId}", s.ToView()),
            { State: { } s } => TypedResults.Ok(s.ToView()),
            _ => throw new InvalidOperationException("A definition outcome without state or error."),
        };
    }

    private static async Task<Results<Ok<TeamView>, ProblemHttpResult>> GetTeam(
        string operationId, string teamId, IGrainFactory grains)
    {
        var state = OperationRules.IsValidId(operationId) && OperationRules.IsValidId(teamId)
            ? await grains.GetGrain<ITeamGrain>(GrainKeys.Team(operationId, teamId)).GetState()
            : null;
        return state is null
            ? Problems.From(DomainError.NotFound($"No team '{teamId}' in operation '{operationId}'."))
            : TypedResults.Ok(state.ToView());
    }

    private static async Task<Results<Ok<RegionView>, ProblemHttpResult>> GetRegion(
        string operationId, string regionId, IGrainFactory grains)
    {
        var state = OperationRules.IsValidId(operationId) && OperationRules.IsValidId(regionId)
            ? await grains.GetGrain<IHotspotRegionGrain>(GrainKeys.Region(operationId, regionId)).GetState()
            : null;
        return state is null
            ? Problems.From(DomainError.NotFound($"No region '{regionId}' in operation '{operationId}'."))
            : TypedResults.Ok(state.ToView());
    }

    private static ProblemHttpResult NoOperation(string operationId) =>
        Problems.From(DomainError.NotFound($"No operation '{operationId}'."));
}

/// <summary>Who is acting. Until sign-in exists every request is anonymous.</summary>
internal static class Actors
{
    public static string Of(HttpContext http) => http.User.Identity?.Name is { Length: > 0 } name ? name : "anonymous";
}
