using Liberterra.Command.Access;
using Microsoft.AspNetCore.Authorization;

namespace Liberterra.Command.Server.Security;

/// <summary>
/// The named policies every endpoint (and, later, every hub method) declares. Each lists its roles; the object-level
/// checks (a team lead only for its own teams, any credential only within its operations) apply to all of them.
/// </summary>
public static class Policies
{
    /// <summary>The live picture of operations, regions and teams.</summary>
    public const string ReadOperations = "read-operations";

    /// <summary>One team and its reports (notes included): staff, or the team's own lead.</summary>
    public const string ReadTeam = "read-team";

    /// <summary>Create and change operations, their regions and teams.</summary>
    public const string ManageOperations = "manage-operations";

    /// <summary>Field reports and corrections: the team's own lead, or an admin.</summary>
    public const string PostReports = "post-reports";

    /// <summary>Issue credentials.</summary>
    public const string IssueTokens = "issue-tokens";

    /// <summary>The timeline, past states and exports: the debrief.</summary>
    public const string ReadTimeline = "read-timeline";

    /// <summary>Operating the service: the cluster's view and the Orleans dashboard.</summary>
    public const string Administer = "administer";

    /// <summary>Roles allowed by each policy, as documented in docs/security.md ("Who may do what").</summary>
    public static readonly IReadOnlyDictionary<string, string[]> RolesOf = new Dictionary<string, string[]>
    {
        [ReadOperations] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer],
        [ReadTeam] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead],
        [ManageOperations] = [Roles.Admin, Roles.Commander],
        [PostReports] = [Roles.Admin, Roles.TeamLead],
        [IssueTokens] = [Roles.Admin],
        [ReadTimeline] = [Roles.Admin, Roles.Commander, Roles.Debriefer],
        [Administer] = [Roles.Admin],
    };

    public static void Add(AuthorizationOptions options)
    {
        foreach (var (name, roles) in RolesOf)
            options.AddPolicy(name, p => p.RequireAuthenticatedUser().AddRequirements(new AccessRequirement(roles)));
        // An endpoint that forgets its policy still requires a signed-in caller (and fails the authorization matrix test).
        options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
    }
}

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

    public static bool AllowsTeam(System.Security.Claims.ClaimsPrincipal user, string? teamId) =>
        teamId is not null && user.FindAll(ClaimNames.Team).Any(c => c.Value == teamId);

    /// <summary>Field notes: <see cref="Roles.NoteReaders"/>, or a team lead for its own team.</summary>
    public static bool CanReadNotes(System.Security.Claims.ClaimsPrincipal user, string teamId)
    {
        var role = user.FindFirst(ClaimNames.Role)?.Value;
        return role is not null && (Access.Roles.NoteReaders.Contains(role) || (role == Access.Roles.TeamLead && AllowsTeam(user, teamId)));
    }
}
