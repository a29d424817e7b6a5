namespace Liberterra.Command.Server.Security;

/// <summary>
/// The cookie that carries an admin's credential to the Orleans dashboard, whose page cannot send a bearer token: the
/// path it is sent to, its name, and reading the credential from it (the sign-in endpoint that sets it is
/// <c>Api.DashboardAccess</c>).
/// </summary>
public static class DashboardCookie
{
    public const string Path = "/dashboard";
    public const string Name = "liberterra_dashboard";

    /// <summary>The bearer token of a /dashboard request, from the cookie, when the request carries no header.</summary>
    public static string? TokenFor(HttpRequest request) =>
        request.Path.StartsWithSegments(Path) && request.Headers.Authorization.Count == 0 && request.Cookies.TryGetValue(Name, out var token)
            ? token
            : null;
}
