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

    /// <summary>Orders to the field (issue, cancel) and taking distress calls: command staff.</summary>
    public const string CommandField = "command-field";

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
        [CommandField] = [Roles.Admin, Roles.Commander],
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
