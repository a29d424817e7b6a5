using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Threading.RateLimiting;
using Liberterra.Command.Access;
using Liberterra.Command.Server.Observability;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Liberterra.Command.Server.Live;

/// <summary>The policy a hub method requires (checked, and every refusal audited, by <see cref="HubAccessFilter"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class HubPolicyAttribute(string policy) : Attribute
{
    public string Policy { get; } = policy;
}

/// <summary>
/// Every hub invocation: refused if its method declares no policy (fail closed) or the caller does not meet it,
/// limited per principal by the same token bucket settings as HTTP (the HTTP rate limiter does not see hub
/// invocations), and every refusal written to the audit trail.
/// </summary>
public sealed partial class HubAccessFilter(
    RateLimitOptions limits, IAuthorizationService authorization, AuditTrail audit, TimeProvider clock, TransientFailures transient,
    ILogger<HubAccessFilter> logger) : IHubFilter
{
    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _buckets = new();

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var user = invocationContext.Context.User!;
        var policy = PolicyOf(invocationContext.HubMethod);
        if (policy is null || !(await authorization.AuthorizeAsync(user, invocationContext, policy)).Succeeded)
            await Refuse(invocationContext, StatusCodes.Status403Forbidden, "This credential may not do this.");

        var principal = user.FindFirst(ClaimNames.Subject)?.Value ?? invocationContext.Context.ConnectionId;
        var bucket = _buckets.GetOrAdd(principal, _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, limits.Burst),
            TokensPerPeriod = Math.Max(1, limits.PermitsPerSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        using (var lease = bucket.AttemptAcquire())
        {
            if (!lease.IsAcquired)
            {
                var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                await Refuse(invocationContext, StatusCodes.Status429TooManyRequests, $"Too many requests: retry after {retry} s.");
            }
        }

        try
        {
            return await next(invocationContext);
        }
        catch (HubException e)
        {
            // The method itself refused (an operation outside the credential's scope, an unknown operation, a bad argument).
            await Record(invocationContext, StatusCodes.Status403Forbidden);
            LogRefused(invocationContext.HubMethodName, Who(invocationContext), e.Message);
            throw new HubException(e.Message);
        }
        catch (Exception e) when (TransientFailures.IsTransient(e) && !invocationContext.Context.ConnectionAborted.IsCancellationRequested)
        {
            // The operation's silo died and the grain is moving, or the database is restarting: expected, said to the
            // client as "try again" (the pages retry a refused join), and counted, not logged one by one.
            transient.Record($"hub {invocationContext.HubMethodName}", e);
            throw new HubException("The operation is briefly out of reach (a server is being replaced): try again in a moment.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A fault, not a refusal: the one place it is logged with its stack trace (SignalR's own error log is off).
            LogFault(e, invocationContext.HubMethodName, Who(invocationContext));
            throw;
        }
    }

    private static string Who(HubInvocationContext context) =>
        context.Context.User?.FindFirst(ClaimNames.Subject)?.Value ?? "anonymous";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub {Method} refused for {Subject}: {Reason}")]
    private partial void LogRefused(string method, string subject, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Hub {Method} failed for {Subject}")]
    private partial void LogFault(Exception ex, string method, string subject);

    public static string? PolicyOf(MethodInfo method) =>
        method.GetCustomAttribute<HubPolicyAttribute>() is { } a && Policies.RolesOf.ContainsKey(a.Policy) ? a.Policy : null;

    private async Task Refuse(HubInvocationContext context, int status, string message)
    {
        await Record(context, status);
        LogRefused(context.HubMethodName, Who(context), message);
        throw new HubException(message);
    }

    private ValueTask Record(HubInvocationContext context, int status)
    {
        var user = context.Context.User;
        var target = context.HubMethodArguments.Count > 0 && context.HubMethodArguments[0] is string s && s.Length <= 64 ? s : "-";
        return audit.RecordAsync(new AuditEntry(
            clock.GetUtcNow(),
            user?.FindFirst(ClaimNames.Subject)?.Value ?? "anonymous",
            user?.FindFirst(ClaimNames.Role)?.Value ?? "none",
            $"HUB {context.HubMethodName}",
            target,
            false,
            status,
            context.Context.GetHttpContext()?.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            JsonSerializer.Serialize(new { connection = context.Context.ConnectionId, agency = AuditMiddleware.AgencyOf(user) })));
    }
}
