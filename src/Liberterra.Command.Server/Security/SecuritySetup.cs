using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Liberterra.Command.Access;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.Tokens;

namespace Liberterra.Command.Server.Security;

/// <summary>Authentication (JWT bearer), authorization, rate limits and the audit trail.</summary>
public static class SecuritySetup
{
    public static void AddLiberterraSecurity(this WebApplicationBuilder builder)
    {
        var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        auth.Validate();
        builder.Services.AddSingleton(auth);
        byte[]? key = null;
        if (auth.UsesBuiltInIssuer)
        {
            key = auth.SigningKey is { Length: > 0 } configured
                ? SigningKey.FromBase64(configured)
                : SigningKey.LoadOrCreate(Path.IsPathRooted(auth.SigningKeyFile)
                    ? auth.SigningKeyFile
                    : Path.Combine(builder.Environment.ContentRootPath, auth.SigningKeyFile));
            builder.Services.AddSingleton(new TokenIssuer(auth.Issuer, auth.Audience, key));
        }

        // With agency providers, the default scheme only chooses which scheme validates a token (AgencyIssuers).
        var authentication = builder.Services.AddAuthentication(
            auth.Issuers.Count == 0 ? JwtBearerDefaults.AuthenticationScheme : AgencyIssuers.Scheme);
        authentication.AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = ValidationParameters(auth.Issuer, auth.Audience);
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = FindToken,
                OnTokenValidated = context =>
                {
                    if (Refusal(context.Principal!) is { } refusal) context.Fail(refusal);
                    return Task.CompletedTask;
                },
            };
            if (auth.UsesBuiltInIssuer)
            {
                o.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(key);
                o.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
            }
            else
            {
                o.Authority = auth.Authority;
                o.Audience = auth.Audience;
            }
        });
        if (auth.Issuers.Count > 0) authentication.AddAgencyIssuers(auth);

        builder.Services.AddSingleton<IAuthorizationHandler, AccessHandler>();
        builder.Services.AddAuthorization(Policies.Add);

        var limits = builder.Configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.GetEndpoint()?.Metadata.GetMetadata<DistressLimit>() is not null
                ? RateLimitPartition.GetTokenBucketLimiter("distress:" + PartitionKey(http), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, limits.DistressBurst),
                    TokensPerPeriod = Math.Max(1, limits.DistressPermitsPerSecond),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                })
                : RateLimitPartition.GetTokenBucketLimiter(PartitionKey(http), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, limits.Burst),
                    TokensPerPeriod = Math.Max(1, limits.PermitsPerSecond),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            o.OnRejected = async (context, ct) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 1;
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests.",
                        Detail = $"This credential is sending faster than {limits.PermitsPerSecond} requests a second. Retry after {seconds} s.",
                    },
                });
            };
        });
    }

    /// <summary>What every scheme checks of a token: issuer, audience, lifetime, and the claims' names as Liberterra's.</summary>
    internal static TokenValidationParameters ValidationParameters(string? issuer, string audience) => new()
    {
        ValidIssuer = issuer,
        ValidAudience = audience,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = ClaimNames.Subject,
        RoleClaimType = ClaimNames.Role,
    };

    /// <summary>Every scheme finds the token in the same places (<see cref="BearerToken"/>).</summary>
    internal static Task FindToken(MessageReceivedContext context)
    {
        context.Token = BearerToken.Find(context.Request);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Why a validated token is still refused, or null. Whoever signed it, a credential carries only what the timeline
    /// and the audit trail can store: its subject becomes an event's actor. One that does not is refused before any
    /// request runs.
    /// </summary>
    internal static string? Refusal(ClaimsPrincipal user)
    {
        var subject = user.FindFirst(ClaimNames.Subject)?.Value;
        return string.IsNullOrWhiteSpace(subject)
            || CredentialClaims.Problem(subject, user.FindAll(ClaimNames.Team).Select(c => c.Value), null) is not null
            || user.FindAll(ClaimNames.Operation).Any(c => !Domain.OperationRules.IsValidId(c.Value))
            || user.FindAll(ClaimNames.Agency).Count() > 1 || user.FindAll(ClaimNames.Agency).Any(c => !Domain.OperationRules.IsValidId(c.Value))
            ? "The credential's subject, teams, operations or agency are not plain text or not valid ids."
            : null;
    }

    // Per principal; an unauthenticated caller is limited per address.
    private static string PartitionKey(HttpContext http) =>
        http.User.FindFirst(ClaimNames.Subject)?.Value is { } subject
            ? $"sub:{subject}"
            : $"ip:{http.Connection.RemoteIpAddress}";
}
