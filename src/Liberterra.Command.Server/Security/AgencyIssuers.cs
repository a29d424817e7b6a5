using System.Security.Claims;
using Liberterra.Command.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Liberterra.Command.Server.Security;

/// <summary>
/// The agencies' own OpenID Connect providers (<c>Auth:Issuers</c>): one JwtBearer scheme each, whose keys come from
/// the provider's discovery document, and the default scheme <see cref="Scheme"/>, which sends a token to the scheme
/// of the provider its <c>iss</c> names, else to the built-in issuer's (which refuses what it did not sign). A
/// provider's tokens act for the agency it is configured with; a token that claims another agency is refused (401).
/// </summary>
public static class AgencyIssuers
{
    /// <summary>The default scheme when agency providers are configured: it authenticates nothing itself, it chooses.</summary>
    public const string Scheme = "by-issuer";

    public static void AddAgencyIssuers(this AuthenticationBuilder authentication, AuthOptions auth)
    {
        var schemeOf = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < auth.Issuers.Count; i++)
        {
            var entry = auth.Issuers[i];
            var scheme = $"agency:{entry.Agency}:{i}";
            schemeOf[AgencyIssuerOptions.Key(entry.RoutingIssuer!)] = scheme;
            authentication.AddJwtBearer(scheme, o => Configure(o, entry, auth.Audience));
        }

        authentication.AddPolicyScheme(Scheme, "The scheme of the token's issuer", o => o.ForwardDefaultSelector = http =>
            BearerToken.Find(http.Request) is { } token && BearerToken.UnverifiedIssuer(token) is { } issuer
            && schemeOf.TryGetValue(AgencyIssuerOptions.Key(issuer), out var scheme)
                ? scheme
                : JwtBearerDefaults.AuthenticationScheme);
    }

    /// <summary>
    /// Why a token of the provider of <paramref name="agency"/> is refused, or null: it may name no agency, or this
    /// one, never another. An agency's provider issues only the roles that act for an agency (command staff, walls, debriefers): an admin
    /// acts for every agency and a team lead for teams that may be any agency's, so both come from the deployment's
    /// own issuer or its central provider.
    /// </summary>
    private static string? AgencyRefusal(ClaimsPrincipal user, string agency) =>
        user.FindAll(ClaimNames.Agency).Any(c => c.Value != agency)
            ? $"This identity provider's credentials act for agency {agency}; this one claims another agency."
            : user.FindFirst(ClaimNames.Role)?.Value is not { } role || !Roles.AgencyRoles.Contains(role)
                ? $"An agency's identity provider issues {string.Join(", ", Roles.AgencyRoles)} credentials only."
                : null;

    private static void Configure(JwtBearerOptions o, AgencyIssuerOptions entry, string defaultAudience)
    {
        var agency = entry.Agency!;
        o.Authority = entry.Authority;
        o.RequireHttpsMetadata = entry.RequireHttpsMetadata;
        o.MapInboundClaims = false;
        // Without a configured issuer, JwtBearer accepts the discovery document's.
        o.TokenValidationParameters = SecuritySetup.ValidationParameters(
            string.IsNullOrWhiteSpace(entry.Issuer) ? null : entry.Issuer,
            string.IsNullOrWhiteSpace(entry.Audience) ? defaultAudience : entry.Audience);
        o.Events = new JwtBearerEvents
        {
            OnMessageReceived = SecuritySetup.FindToken,
            OnTokenValidated = context =>
            {
                if ((SecuritySetup.Refusal(context.Principal!) ?? AgencyRefusal(context.Principal!, agency)) is { } refusal)
                    context.Fail(refusal);
                else
                    ActFor((ClaimsIdentity)context.Principal!.Identity!, agency);
                return Task.CompletedTask;
            },
        };
    }

    // The agency comes from the configuration, never from the token.
    private static void ActFor(ClaimsIdentity identity, string agency)
    {
        foreach (var claim in identity.FindAll(ClaimNames.Agency).ToList()) identity.RemoveClaim(claim);
        identity.AddClaim(new Claim(ClaimNames.Agency, agency));
    }
}
