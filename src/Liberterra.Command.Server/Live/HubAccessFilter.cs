using System.Collections.Concurrent;
using System.Reflection;
using System.Threading.RateLimiting;
using Liberterra.Command.Access;
using Liberterra.Command.Server.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Liberterra.Command.Server.Live;

/// <summary>
/// Every hub invocation: refused if its method declares no policy (fail closed), and limited per principal by the
/// same token bucket settings as HTTP (the HTTP rate limiter does not see hub invocations).
/// </summary>
public sealed class HubAccessFilter(RateLimitOptions limits) : IHubFilter
{
    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _buckets = new();

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (!HasPolicy(context.HubMethod))
            throw new HubException("This method is not available.");

        var principal = context.Context.User?.FindFirst(ClaimNames.Subject)?.Value ?? context.Context.ConnectionId;
        var bucket = _buckets.GetOrAdd(principal, _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, limits.Burst),
            TokensPerPeriod = Math.Max(1, limits.PermitsPerSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        using var lease = bucket.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
            throw new HubException($"Too many requests: retry after {retry} s.");
        }

        return await next(context);
    }

    public static bool HasPolicy(MethodInfo method) =>
        method.GetCustomAttributes<AuthorizeAttribute>(inherit: true).Any(a => a.Policy is not null && Policies.RolesOf.ContainsKey(a.Policy));
}
