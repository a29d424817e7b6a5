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

        if (!Scope.AllowsOperation(user, Argument(context.Resource, "operationId"))) return Task.CompletedTask;
        if (role == Access.Roles.TeamLead && !Scope.AllowsTeam(user, Argument(context.Resource, "teamId"))) return Task.CompletedTask;

        context.Succeed(requirement);
        return Task.CompletedTask;
    }

    // The route's value, or a hub method's argument of that name (a hub method for a team names it "teamId").
    private static string? Argument(object? resource, string name)
    {
        switch (resource)
        {
            case HttpContext http:
                return http.Request.RouteValues[name] as string;
            case Microsoft.AspNetCore.SignalR.HubInvocationContext hub:
                var parameters = hub.HubMethod.GetParameters();
                for (var i = 0; i < parameters.Length && i < hub.HubMethodArguments.Count; i++)
                    if (parameters[i].Name == name) return hub.HubMethodArguments[i] as string;
                return null;
            default:
                return null;
        }
    }
}
