using System.CommandLine;
using Liberterra.Command.Access;
using Liberterra.Command.Storage;

namespace Liberterra.Command.Cli;

/// <summary><c>liberterra token issue</c> and <c>liberterra audit verify</c>.</summary>
internal static class AccessCommands
{
    public static System.CommandLine.Command CreateToken()
    {
        var role = new Option<string>("--role") { Description = $"One of: {string.Join(", ", Roles.All)}.", Required = true };
        var teams = new Option<string[]>("--team") { Description = "A team the credential is bound to (team-lead; repeat for several).", AllowMultipleArgumentsPerToken = false };
        var operation = new Option<string?>("--operation") { Description = "Limit the credential to one operation." };
        var agency = new Option<string?>("--agency") { Description = "The agency it acts for (commander, wall, debriefer): its own teams in full, the others' as they share them." };
        var ttl = new Option<string>("--ttl") { Description = "Lifetime: 90s, 30m, 12h, 7d (at most 30d).", DefaultValueFactory = _ => "12h" };
        var subject = new Option<string?>("--subject") { Description = "Who it is for (appears in the audit trail). Default: role and teams." };
        var keyFile = new Option<string>("--key-file")
        {
            Description = "The server's signing key file (environment Auth__SigningKeyFile).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Auth__SigningKeyFile") ?? ".data/signing.key",
        };
        // No default value for the key itself: help would print it. The environment is read where it is used.
        var key = new Option<string?>("--key") { Description = "The signing key itself, base64 (environment Auth__SigningKey)." };
        var issuer = new Option<string>("--issuer") { DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Auth__Issuer") ?? "liberterra" };
        var audience = new Option<string>("--audience") { DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Auth__Audience") ?? "liberterra-command" };

        var issue = new System.CommandLine.Command("issue", "Issue a credential signed with this deployment's key; prints the token.")
        {
            role, teams, operation, agency, ttl, subject, keyFile, key, issuer, audience,
        };
        issue.SetAction(parse =>
        {
            try
            {
                var signingKey = (parse.GetValue(key) ?? Environment.GetEnvironmentVariable("Auth__SigningKey")) is { Length: > 0 } k
                    ? SigningKey.FromBase64(k) : SigningKey.LoadOrCreate(parse.GetValue(keyFile)!);
                var teamIds = parse.GetValue(teams) ?? [];
                var r = parse.GetValue(role)!;
                var forAgency = parse.GetValue(agency);
                var who = parse.GetValue(subject) ?? (teamIds.Length > 0 ? $"{r}:{string.Join('+', teamIds)}" : forAgency is not null ? $"{r}@{forAgency}" : r);
                var token = new TokenIssuer(parse.GetValue(issuer)!, parse.GetValue(audience)!, signingKey)
                    .Issue(who, r, teamIds, parse.GetValue(operation), TokenIssuer.ParseLifetime(parse.GetValue(ttl)!), agency: forAgency);
                Console.WriteLine(token);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or IOException)
            {
                Console.Error.WriteLine($"liberterra: {e.Message}");
                return 2;
            }
        });
        return new System.CommandLine.Command("token", "Credentials from the built-in issuer.") { issue };
    }

    public static System.CommandLine.Command CreateAudit()
    {
        var verify = new System.CommandLine.Command("verify", "Check the audit trail's hash chain; names the first broken link.") { DatabaseOptions.Connection };
        // 3 when the database cannot be reached (1 is a broken chain).
        verify.SetAction((parse, ct) => DatabaseCommands.WithDatabase(parse, 3, async db =>
        {
            var result = await new AuditLog(db).VerifyAsync(ct);
            if (result.Intact)
            {
                Console.WriteLine(result.Message);
                return 0;
            }

            await Console.Error.WriteLineAsync($"audit chain BROKEN: {result.Message} ({result.Entries} entries before it are intact)");
            return 1;
        }));
        return new System.CommandLine.Command("audit", "The audit trail.") { verify };
    }
}
