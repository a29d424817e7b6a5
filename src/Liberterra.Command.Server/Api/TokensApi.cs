using Liberterra.Command.Access;
using Liberterra.Command.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Liberterra.Command.Server.Api;

/// <summary><c>POST /api/tokens</c>: an admin issues a credential with the built-in issuer.</summary>
public static class TokensApi
{
    public static IEndpointRouteBuilder MapTokensApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/tokens", Issue).WithName("IssueToken").WithTags("Access").RequireAuthorization(Policies.IssueTokens);
        return app;
    }

    private static Results<Ok<IssuedToken>, ProblemHttpResult> Issue(
        TokenRequest request, IServiceProvider services, TimeProvider clock, HttpContext http)
    {
        // An admin limited to operations cannot mint a credential wider than its own.
        var limitedTo = Scope.Operations(http.User);
        if (limitedTo.Count > 0 && (request.Operation is null || !limitedTo.Contains(request.Operation)))
            return TypedResults.Problem($"This credential may only issue credentials for: {string.Join(", ", limitedTo)}.",
                statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                extensions: new Dictionary<string, object?> { [Problems.CodeMember] = Problems.Codes.Forbidden });
        if (services.GetService<TokenIssuer>() is not { } issuer)
            return TypedResults.Problem("Credentials come from the configured identity provider (Auth:Authority).",
                statusCode: StatusCodes.Status404NotFound, title: "The built-in issuer is off.");
        try
        {
            var lifetime = TokenIssuer.ParseLifetime(request.Ttl ?? "12h");
            var now = clock.GetUtcNow();
            var token = issuer.Issue(request.Subject ?? "", request.Role ?? "", request.Teams ?? [], request.Operation, lifetime, now, request.Agency);
            return TypedResults.Ok(new IssuedToken(token, now.Add(lifetime)));
        }
        catch (FormatException e)
        {
            return Problems.From(Domain.DomainError.Invalid("ttl", Domain.RuleCodes.Range, e.Message));
        }
        catch (ArgumentException e)
        {
            var field = e.ParamName switch { "role" => "role", "teams" => "teams", "lifetime" => "ttl", "operation" => "operation", "agency" => "agency", _ => "subject" };
            return Problems.From(Domain.DomainError.Invalid(field, Domain.RuleCodes.UnknownValue, e.Message.Split(" (Parameter", 2)[0]));
        }
    }

    [System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
    public sealed record TokenRequest(string? Subject, string? Role, IReadOnlyList<string>? Teams, string? Operation, string? Ttl, string? Agency = null);

    public sealed record IssuedToken(string Token, DateTimeOffset ExpiresAt);
}
