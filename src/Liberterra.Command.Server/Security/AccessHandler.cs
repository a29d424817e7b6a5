using Liberterra.Command.Access;
using Microsoft.AspNetCore.Authorization;

namespace Liberterra.Command.Server.Security;

/// <summary>The caller's role is one of <see cref="Roles"/> and the request is within the credential's scope.</summary>
public sealed class AccessRequirement(string[] roles) : IAuthorizationRequirement
{
    public IReadOnlyList<string> Roles { get; } = roles;
}

/// <summary>Checks the role, the operation scope (<c>op</c> claims) and, for team leads, the team in the route.</summary>
public sealed class AccessHandler : AuthorizationHandler<AccessRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AccessRequirement requirement)
    {
        var user = context.User;
        var role = user.FindFirst(ClaimNames.Role)?.Value;
        if (role is null || !requirement.Roles.Contains(role)) return Task.CompletedTask;

        var route = (context.Resource as HttpContext)?.Request.RouteValues;
        if (!Scope.AllowsOperation(user, route?["operationId"] as string)) return Task.CompletedTask;
        if (role == Access.Roles.TeamLead && !Scope.AllowsTeam(user, route?["teamId"] as string)) return Task.CompletedTask;

        context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
