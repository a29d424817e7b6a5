using Microsoft.IdentityModel.JsonWebTokens;

namespace Liberterra.Command.Server.Security;

/// <summary>
/// Where a request carries its credential, read the same way by every scheme and by the choice between them
/// (<see cref="AgencyIssuers"/>): the <c>access_token</c> query string on the hubs (browsers cannot set headers on
/// WebSockets; the hosting request log, which would print it, is switched off in AddLiberterraApi), the dashboard's
/// cookie (<see cref="DashboardCookie"/>), else the <c>Authorization: Bearer</c> header.
/// </summary>
public static class BearerToken
{
    private const string Prefix = "Bearer ";

    /// <summary>The request's token, or null when it carries none.</summary>
    public static string? Find(HttpRequest request) =>
        FromQuery(request) ?? DashboardCookie.TokenFor(request) ?? FromHeader(request);

    /// <summary>
    /// The <c>iss</c> a token claims, read without checking anything: only to choose the scheme that will check it.
    /// Null when the token is not a readable JWT.
    /// </summary>
    public static string? UnverifiedIssuer(string token)
    {
        var handler = new JsonWebTokenHandler();
        if (!handler.CanReadToken(token)) return null;
        try
        {
            return handler.ReadJsonWebToken(token).Issuer;
        }
        catch (ArgumentException)
        {
            // Malformed (SecurityTokenMalformedException is one): the default scheme refuses it.
            return null;
        }
    }

    private static string? FromQuery(HttpRequest request) =>
        IsHubPath(request.Path) && request.Query["access_token"] is { Count: > 0 } token ? token.ToString() : null;

    private static bool IsHubPath(PathString path) =>
        path.StartsWithSegments(Contracts.HubMessages.Path) || path.StartsWithSegments(Contracts.ReplayMessages.Path)
        || path.StartsWithSegments(Contracts.FieldMessages.Path);

    // As JwtBearer reads it when it is given no token.
    private static string? FromHeader(HttpRequest request) =>
        request.Headers.Authorization.ToString() is var header && header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
            ? header[Prefix.Length..].Trim()
            : null;
}
