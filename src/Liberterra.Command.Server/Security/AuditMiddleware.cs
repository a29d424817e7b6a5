using System.Text.Json;
using Liberterra.Command.Access;
using Liberterra.Command.Storage;

namespace Liberterra.Command.Server.Security;

/// <summary>
/// Records every write (allowed or refused) and every refusal of a read (401, 403, 429): who, role, when, what, from
/// where, and the status. The body is never read, so a note cannot end up here.
/// </summary>
public sealed class AuditMiddleware(RequestDelegate next, AuditTrail trail, TimeProvider clock)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var failed = false;
        try
        {
            await next(http);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            var status = failed ? StatusCodes.Status500InternalServerError : http.Response.StatusCode;
            var write = !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)
                && !HttpMethods.IsOptions(http.Request.Method);
            var refusal = status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status429TooManyRequests;
            if (write || refusal) await trail.RecordAsync(Entry(http, status));
        }
    }

    /// <summary>The agency a credential acts for, as the audit trail records it (null for one of the whole operation).</summary>
    public static string? AgencyOf(System.Security.Claims.ClaimsPrincipal? user) =>
        user?.FindFirst(ClaimNames.Agency)?.Value is { } agency ? AuditTrail.Clean(agency, 64) : null;

    private AuditEntry Entry(HttpContext http, int status)
    {
        var user = http.User;
        var route = http.Request.RouteValues;
        var target = string.Join('/', new[] { route["operationId"], route["teamId"], route["regionId"] }.OfType<string>());
        var detail = new Dictionary<string, object?>
        {
            ["path"] = AuditTrail.Clean(http.Request.Path.Value ?? "", 300),
            ["idempotencyKey"] = http.Request.Headers["Idempotency-Key"].FirstOrDefault() is { } key ? AuditTrail.Clean(key, 130) : null,
            ["agency"] = AgencyOf(user),
        };
        var action = http.GetEndpoint() is RouteEndpoint endpoint
            ? $"{http.Request.Method} {endpoint.RoutePattern.RawText}"
            : $"{http.Request.Method} (no route)";
        return new AuditEntry(
            clock.GetUtcNow(),
            user.FindFirst(ClaimNames.Subject)?.Value ?? "anonymous",
            user.FindFirst(ClaimNames.Role)?.Value ?? "none",
            action,
            target.Length == 0 ? "-" : target,
            status is >= 200 and < 300,
            status,
            http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            JsonSerializer.Serialize(detail));
    }
}
