using Liberterra.Command.Domain;
using Liberterra.Command.Grains;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Liberterra.Command.Server.Api;

/// <summary>The operation as its grain holds it now, and the answer when there is none.</summary>
internal static class OperationLookup
{
    /// <summary>The committed state, or null for an id that is not valid or an operation never defined.</summary>
    public static async Task<OperationState?> CurrentState(this IGrainFactory grains, string operationId) =>
        OperationRules.IsValidId(operationId) ? await grains.GetGrain<IOperationGrain>(operationId).GetState() : null;

    /// <summary>
    /// What the caller sees of the operation (<see cref="Viewpoint"/>): everything for a credential without an agency,
    /// without asking the operation; else from its current definition (an unknown operation: nothing to see).
    /// </summary>
    public static async Task<Viewpoint> ViewOf(this IGrainFactory grains, string operationId, System.Security.Claims.ClaimsPrincipal user)
    {
        var agency = Security.Scope.AgencyOf(user);
        if (agency is null) return Viewpoint.Everything;
        return await grains.CurrentState(operationId) is { } state ? Viewpoint.Of(state, agency) : new Viewpoint(AgencyRules.None, agency);
    }

    /// <summary>The answer for a team that is not there, or not there for this caller: the same words either way.</summary>
    public static ProblemHttpResult NoTeam(string operationId, string teamId) =>
        Problems.From(DomainError.NotFound(RuleCodes.TeamNotFound, $"No team {Shown(teamId)} in operation {Shown(operationId)}.", ("id", teamId)));

    public static ProblemHttpResult NoOperation(string operationId) =>
        Problems.From(DomainError.NotFound(RuleCodes.OperationNotFound, $"No operation {Shown(operationId)}.", ("id", operationId)));

    /// <summary>An id as a refusal may repeat it: only one that is valid (an invalid one may hold anything).</summary>
    public static string Shown(string id) => OperationRules.IsValidId(id) ? $"'{id}'" : "with that id (not a valid id)";
}
