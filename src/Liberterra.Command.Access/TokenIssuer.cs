using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Liberterra.Command.Access;

/// <summary>Issues signed JWTs for one deployment (HMAC-SHA256). A real OpenID Connect provider can replace it.</summary>
public sealed class TokenIssuer(string issuer, string audience, byte[] key)
{
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(30);

    public string Issue(string subject, string role, IReadOnlyCollection<string> teams, string? operation, TimeSpan lifetime,
        DateTimeOffset? now = null, string? agency = null)
    {
        if (agency is not null && !Roles.AgencyRoles.Contains(role))
            throw new ArgumentException($"Only {string.Join(", ", Roles.AgencyRoles)} credentials act for an agency (an admin acts for all; a team lead for its teams).", nameof(agency));
        if (agency is not null && !Domain.OperationRules.IsValidId(agency))
            throw new ArgumentException("The agency must be an agency id: 1-64 letters, digits, '_', '.' or '-'.", nameof(agency));
        if (!Roles.All.Contains(role)) throw new ArgumentException($"Unknown role '{role}'. Roles: {string.Join(", ", Roles.All)}.", nameof(role));
        if (role == Roles.TeamLead && teams.Count == 0) throw new ArgumentException("A team-lead credential needs at least one --team.", nameof(teams));
        if (role != Roles.TeamLead && teams.Count > 0) throw new ArgumentException("Only team-lead credentials are bound to teams.", nameof(teams));
        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime) throw new ArgumentException($"The lifetime must be between 1 second and {MaxLifetime.TotalDays:0} days.", nameof(lifetime));
        if (string.IsNullOrWhiteSpace(subject)) throw new ArgumentException("A subject is required.", nameof(subject));
        if (CredentialClaims.Problem(subject, teams, operation) is { } problem) throw new ArgumentException(problem.Message, problem.Field);

        var issued = now ?? DateTimeOffset.UtcNow;
        var claims = new List<Claim> { new(ClaimNames.Subject, subject), new(ClaimNames.Role, role), new("jti", Guid.NewGuid().ToString("N")) };
        claims.AddRange(teams.Select(t => new Claim(ClaimNames.Team, t)));
        if (operation is not null) claims.Add(new Claim(ClaimNames.Operation, operation));
        if (agency is not null) claims.Add(new Claim(ClaimNames.Agency, agency));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = issued.UtcDateTime,
            NotBefore = issued.UtcDateTime,
            Expires = issued.Add(lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>Parses "12h", "30m", "7d", "90s"; a lifetime beyond <see cref="MaxLifetime"/> is refused, not overflowed.</summary>
    public static TimeSpan ParseLifetime(string text)
    {
        text = text.Trim();
        if (text.Length is >= 2 and <= 20
            && double.TryParse(text[..^1], System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var n)
            && double.IsFinite(n) && n > 0)
        {
            var seconds = char.ToLowerInvariant(text[^1]) switch
            {
                's' => n,
                'm' => n * 60,
                'h' => n * 3600,
                'd' => n * 86400,
                _ => double.NaN,
            };
            if (double.IsNaN(seconds)) throw new FormatException("use a number and s, m, h or d (12h).");
            if (seconds < 1 || seconds > MaxLifetime.TotalSeconds)
                throw new FormatException($"the lifetime must be between 1 second and {MaxLifetime.TotalDays:0} days.");
            return TimeSpan.FromSeconds(seconds);
        }

        throw new FormatException("use a number and s, m, h or d (12h).");
    }
}
