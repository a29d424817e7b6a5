using Liberterra.Command.Access;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Liberterra.Command.Cli;

/// <summary>
/// What the credential in use covers, read from its own claims (not verified: the server does that), to explain a
/// 403 without asking the server anything about other teams.
/// </summary>
internal static class CredentialScope
{
    /// <summary>One line such as "this credential (team-lead) covers team AR-RAID-01 only", or null without a readable credential.</summary>
    public static string? Describe(string? token)
    {
        if (string.IsNullOrWhiteSpace(token)) return "no credential was sent (--token or LIBERTERRA_TOKEN)";
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return null;
        }

        var role = jwt.Claims.FirstOrDefault(c => c.Type == ClaimNames.Role)?.Value ?? "no role";
        var teams = jwt.Claims.Where(c => c.Type == ClaimNames.Team).Select(c => c.Value).ToList();
        var operation = jwt.Claims.FirstOrDefault(c => c.Type == ClaimNames.Operation)?.Value;
        var covers = teams.Count switch
        {
            0 when role == Roles.TeamLead => "covers no team",
            0 => "is not bound to teams",
            1 => $"covers team {teams[0]} only",
            _ => $"covers teams {string.Join(", ", teams)} only",
        };
        return $"this credential ({role}) {covers}{(operation is null ? "" : $", in operation {operation} only")}";
    }
}
