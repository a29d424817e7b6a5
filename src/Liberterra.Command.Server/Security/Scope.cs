using Liberterra.Command.Access;

namespace Liberterra.Command.Server.Security;

/// <summary>What a credential is limited to.</summary>
public static class Scope
{
    /// <summary>
    /// True when the credential is not limited to operations, or the operation is one of its own. A route without an
    /// operation passes; what it lists is filtered by the same rule.
    /// </summary>
    public static bool AllowsOperation(System.Security.Claims.ClaimsPrincipal user, string? operationId)
    {
        var operations = user.FindAll(ClaimNames.Operation).Select(c => c.Value).ToList();
        return operations.Count == 0 || operationId is null || operations.Contains(operationId);
    }

    /// <summary>The operations a credential is limited to (empty: all).</summary>
    public static IReadOnlyList<string> Operations(System.Security.Claims.ClaimsPrincipal user) =>
        [.. user.FindAll(ClaimNames.Operation).Select(c => c.Value)];

    /// <summary>
    /// The agency whose view the credential gets (<see cref="ClaimNames.Agency"/>); null for an admin (who may act for
    /// any agency), a team lead (limited to its own teams by the route) and a credential issued without one.
    /// </summary>
    public static string? AgencyOf(System.Security.Claims.ClaimsPrincipal user)
    {
        var role = user.FindFirst(ClaimNames.Role)?.Value;
        return role is Access.Roles.Admin or Access.Roles.TeamLead ? null : user.FindFirst(ClaimNames.Agency)?.Value;
    }

    /// <summary>What the credential sees of the operation (<see cref="Domain.Viewpoint"/>).</summary>
    public static Domain.Viewpoint ViewOf(System.Security.Claims.ClaimsPrincipal user, Domain.OperationState state) =>
        Domain.Viewpoint.Of(state, AgencyOf(user));

    public static bool AllowsTeam(System.Security.Claims.ClaimsPrincipal user, string? teamId) =>
        teamId is not null && user.FindAll(ClaimNames.Team).Any(c => c.Value == teamId);

    /// <summary>Field notes: <see cref="Roles.NoteReaders"/>, or a team lead for its own team.</summary>
    public static bool CanReadNotes(System.Security.Claims.ClaimsPrincipal user, string teamId)
    {
        var role = user.FindFirst(ClaimNames.Role)?.Value;
        return role is not null && (Access.Roles.NoteReaders.Contains(role) || (role == Access.Roles.TeamLead && AllowsTeam(user, teamId)));
    }
}
