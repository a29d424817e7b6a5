using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;
using Liberterra.Command.Server.Security;

namespace Liberterra.Command.Server.Hosting;

/// <summary>
/// The browser pages (the wall) and the libraries they use, served by the server itself from <c>web/</c> in its
/// output folder (copied there at build time from the pinned npm packages: no CDN). The pages carry no data: they
/// fetch it with the credential the user gives them, so they are served to anyone.
/// </summary>
public static class WebPages
{
    /// <summary>
    /// Scripts, styles, images and connections from this server only; no inline script or style, no plugins, no
    /// framing. Browsers treat <c>'self'</c> in connect-src as covering same-origin WebSockets.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "manifest-src 'self'; worker-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; " +
        "frame-ancestors 'none'; object-src 'none'";

    /// <summary>The Orleans dashboard's own page (third-party, admin only) uses inline scripts and styles.</summary>
    public const string DashboardContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'";

    public static string Root => Path.Combine(AppContext.BaseDirectory, "web");

    /// <summary>
    /// Security headers on every answer, pages and API alike, set as the answer starts: an error answer written after
    /// the exception handler cleared the response (400, 413, 415, 500) carries them too.
    /// </summary>
    public static void UseSecurityHeaders(this WebApplication app) => app.Use((http, next) =>
    {
        http.Response.OnStarting(static state =>
        {
            var context = (HttpContext)state;
            var headers = context.Response.Headers;
            headers[HeaderNames.ContentSecurityPolicy] = context.Request.Path.StartsWithSegments(DashboardCookie.Path)
                ? DashboardContentSecurityPolicy
                : ContentSecurityPolicy;
            headers[HeaderNames.XContentTypeOptions] = "nosniff";
            headers[HeaderNames.XFrameOptions] = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(self)";
            return Task.CompletedTask;
        }, http);
        return next(http);
    });

    public static void UseWebPages(this WebApplication app)
    {
        if (!Directory.Exists(Root))
            throw new InvalidOperationException(
                $"The web pages are missing from {Root}: build the server project (it copies web/ and the npm libraries there).");
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(Root),
            // Revalidated on every load (cheap with ETag), so a new version of a page is never mixed with an old script.
            OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "no-cache",
        });
    }

    public static void MapWebPages(this WebApplication app)
    {
        var wall = Path.Combine(Root, "wall.html");
        var field = Path.Combine(Root, "field.html");
        var debrief = Path.Combine(Root, "debrief.html");
        var report = Path.Combine(Root, "report.html");
        var command = Path.Combine(Root, "command.html");
        // "/wall" and "/wall/" both match the optional segment: the page asks which operation when there is a choice.
        app.MapGet("/", () => Results.Redirect("/wall")).AllowAnonymous().ExcludeFromDescription();
        app.MapMethods("/wall/{operationId?}", [HttpMethods.Get, HttpMethods.Head], (string? operationId) => Page(wall))
            .AllowAnonymous().ExcludeFromDescription();
        // The debrief: the wall's picture, driven by a replay (web/replay.js, web/debrief.js).
        app.MapMethods("/debrief/{operationId?}", [HttpMethods.Get, HttpMethods.Head], (string? operationId) => Page(debrief))
            .AllowAnonymous().ExcludeFromDescription();
        // The after-action report, printable to PDF from the browser.
        app.MapMethods("/report/{operationId?}", [HttpMethods.Get, HttpMethods.Head], (string? operationId) => Page(report))
            .AllowAnonymous().ExcludeFromDescription();
        // The command page: orders to the field and distress calls, for commanders (the wall is for watching).
        app.MapMethods("/command/{operationId?}", [HttpMethods.Get, HttpMethods.Head], (string? operationId) => Page(command))
            .AllowAnonymous().ExcludeFromDescription();
        // The field page (phone, installable, works offline: see web/field-sw.js).
        app.MapMethods("/field/{operationId?}", [HttpMethods.Get, HttpMethods.Head], (string? operationId) => Page(field))
            .AllowAnonymous().ExcludeFromDescription();
        // The pages' languages: one catalog per language in web/i18n/ (web/i18n.js), listed from the files themselves.
        var languages = PageLanguages.Read(Path.Combine(Root, "i18n"));
        app.MapGet("/i18n/index.json", () => Results.Json(languages)).AllowAnonymous().ExcludeFromDescription();
        // The status lifecycle as data, for pages that must know the allowed next statuses with no network.
        app.MapGet("/lifecycle.json", () => Results.Json(Lifecycle)).AllowAnonymous().WithName("GetLifecycle").WithTags("Field reports");
    }

    private static readonly Dictionary<string, string[]> Lifecycle = Enum.GetValues<Domain.TeamStatus>()
        .ToDictionary(s => s.ToString(), s => Domain.TeamLifecycle.AllowedNext(s).Select(n => n.ToString()).ToArray());

    private static NoCache Page(string path) => new(Results.File(path, "text/html; charset=utf-8"));

    private sealed class NoCache(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.CacheControl = "no-cache";
            return inner.ExecuteAsync(httpContext);
        }
    }
}
