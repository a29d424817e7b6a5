using Liberterra.Command.Server.Security;

namespace Liberterra.Command.Server.Api;

/// <summary>
/// The Orleans dashboard at <c>/dashboard</c>, admin only. Its page cannot send a bearer token, so an admin exchanges
/// the credential (<c>POST /api/dashboard/session</c>, from <c>/dashboard.html</c>) for an HttpOnly, SameSite=Strict
/// cookie that is sent to <c>/dashboard</c> only and expires with the credential; the dashboard's endpoints then
/// authorize it like any bearer token (<see cref="DashboardCookie"/> reads it).
/// </summary>
public static class DashboardAccess
{
    public static IEndpointRouteBuilder MapDashboardAccess(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/dashboard/session", SignIn).WithName("OpenDashboardSession").WithTags("Cluster").RequireAuthorization(Policies.Administer);
        app.MapDelete("/api/dashboard/session", SignOut).WithName("CloseDashboardSession").WithTags("Cluster").AllowAnonymous();
        return app;
    }

    private static IResult SignIn(HttpContext http)
    {
        var token = http.Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim();
        // The credential was validated to get here; the cookie lives exactly as long as it does.
        var expires = long.TryParse(http.User.FindFirst("exp")?.Value, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp)
            : DateTimeOffset.UtcNow.AddHours(1);
        http.Response.Cookies.Append(DashboardCookie.Name, token, new CookieOptions
        {
            Path = DashboardCookie.Path,
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Expires = expires,
        });
        return Results.NoContent();
    }

    private static IResult SignOut(HttpContext http)
    {
        http.Response.Cookies.Delete(DashboardCookie.Name, new CookieOptions { Path = DashboardCookie.Path });
        return Results.NoContent();
    }
}
