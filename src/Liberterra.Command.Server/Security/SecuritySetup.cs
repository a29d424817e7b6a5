using System.Globalization;
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

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = auth.Issuer,
                ValidAudience = auth.Audience,
                ValidateIssuer = true,
                ValidateAudience = true,
                ValidateLifetime = true,
                RequireExpirationTime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = ClaimNames.Subject,
                RoleClaimType = ClaimNames.Role,
            };
            // Browsers cannot set headers on WebSockets: the hub accepts the token in the query string (and the
            // hosting request log, which would print it, is switched off in AddLiberterraApi).
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    var path = context.HttpContext.Request.Path;
                    if (DashboardCookie.TokenFor(context.HttpContext.Request) is { } fromCookie) context.Token = fromCookie;
                    if ((path.StartsWithSegments(Contracts.HubMessages.Path) || path.StartsWithSegments(Contracts.ReplayMessages.Path) || path.StartsWithSegments(Contracts.FieldMessages.Path))
                        && context.Request.Query["access_token"] is { Count: > 0 } token)
                        context.Token = token;
                    return Task.CompletedTask;
                },
                // Whoever signed it, a credential carries only what the timeline and the audit trail can store: its
                // subject becomes an event's actor. One that does not is refused here, before any request runs.
                OnTokenValidated = context =>
                {
                    var user = context.Principal!;
                    var subject = user.FindFirst(ClaimNames.Subject)?.Value;
                    var operations = user.FindAll(ClaimNames.Operation).Select(c => c.Value).ToList();
                    if (string.IsNullOrWhiteSpace(subject)
                        || CredentialClaims.Problem(subject, user.FindAll(ClaimNames.Team).Select(c => c.Value), null) is not null
                        || operations.Any(op => !Domain.OperationRules.IsValidId(op)))
                        context.Fail("The credential's subject, teams or operations are not plain text or not valid ids.");
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

    // Per principal; an unauthenticated caller is limited per address.
    private static string PartitionKey(HttpContext http) =>
        http.User.FindFirst(ClaimNames.Subject)?.Value is { } subject
            ? $"sub:{subject}"
            : $"ip:{http.Connection.RemoteIpAddress}";
}
