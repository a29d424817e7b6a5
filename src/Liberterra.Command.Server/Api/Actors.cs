namespace Liberterra.Command.Server.Api;

/// <summary>Who is acting: the credential's subject, or "anonymous" where a route needs no credential.</summary>
internal static class Actors
{
    public static string Of(HttpContext http) => http.User.Identity?.Name is { Length: > 0 } name ? name : "anonymous";
}
