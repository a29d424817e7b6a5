using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Grains;
using Liberterra.Command.Server.Security;
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
        api.MapGet("/", ListOperations).WithName("ListOperations").RequireAuthorization(Policies.ReadOperations);
        api.MapGet("/{operationId}", GetOperation).WithName("GetOperation").RequireAuthorization(Policies.ReadOperations);
        api.MapPut("/{operationId}", PutOperation).WithName("PutOperation").RequireAuthorization(Policies.ManageOperations)
            .WithMetadata(new BodySizeLimit(MaxDefinitionBytes));
        api.MapGet("/{operationId}/teams/{teamId}", GetTeam).WithName("GetTeam").RequireAuthorization(Policies.ReadTeam);
        api.MapGet("/{operationId}/teams/{teamId}/reports", GetTeamReports).WithName("GetTeamReports").RequireAuthorization(Policies.ReadTeam);
        api.MapGet("/{operationId}/regions/{regionId}", GetRegion).WithName("GetRegion").RequireAuthorization(Policies.ReadOperations);
        return app;
    }

    private static async Task<Ok<OperationSummary[]>> ListOperations(
        ITimelineStore timeline, IGrainFactory grains, HttpContext http, CancellationToken ct)
    {
        var limitedTo = Scope.Operations(http.User);
        var ids = (await timeline.ListOperationsAsync(ct)).Where(id => limitedTo.Count == 0 || limitedTo.Contains(id)).ToList();
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

    /// <summary>A page of the team's reports and corrections, oldest first, notes included for those who may read them.</summary>
    private static async Task<Results<Ok<TeamReportsPage>, ProblemHttpResult>> GetTeamReports(
        string operationId, string teamId, ITimelineStore timeline, IGrainFactory grains, HttpContext http,
        long after = 0, int limit = 50, CancellationToken ct = default)
    {
        if (limit is < 1 or > MaxPage) return Problems.From(DomainError.Invalid("limit", $"must be from 1 to {MaxPage}"));
        if (after < 0) return Problems.From(DomainError.Invalid("after", "must be 0 or a sequence number"));
        var team = OperationRules.IsValidId(operationId) && OperationRules.IsValidId(teamId)
            ? await grains.GetGrain<ITeamGrain>(GrainKeys.Team(operationId, teamId)).GetState()
            : null;
        if (team is null) return Problems.From(DomainError.NotFound($"No team '{teamId}' in operation '{operationId}'."));

        var events = await timeline.ReadTeamAsync(operationId, teamId, after, limit, ct);
        var notes = Scope.CanReadNotes(http.User, teamId);
        var reports = events.Where(e => e.IsTeamReport()).Select(e => e.ToAck()).Select(a => notes ? a : a with { Note = null }).ToArray();
        return TypedResults.Ok(new TeamReportsPage(reports, events.Count == limit ? events[^1].Seq : null));
    }

    /// <summary>The largest page a list endpoint returns.</summary>
    public const int MaxPage = 200;

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
