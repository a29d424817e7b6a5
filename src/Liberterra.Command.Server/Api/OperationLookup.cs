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

    public static ProblemHttpResult NoOperation(string operationId) =>
        Problems.From(DomainError.NotFound(RuleCodes.OperationNotFound, $"No operation {Shown(operationId)}.", ("id", operationId)));

    /// <summary>An id as a refusal may repeat it: only one that is valid (an invalid one may hold anything).</summary>
    public static string Shown(string id) => OperationRules.IsValidId(id) ? $"'{id}'" : "with that id (not a valid id)";
}
