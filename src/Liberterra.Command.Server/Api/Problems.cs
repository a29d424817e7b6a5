using Liberterra.Command.Domain;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Liberterra.Command.Server.Api;

/// <summary>Turns a domain refusal into the ProblemDetails a client reads.</summary>
public static class Problems
{
    public static ProblemHttpResult From(DomainError error)
    {
        var status = error.Kind switch
        {
            DomainErrorKind.Validation => StatusCodes.Status422UnprocessableEntity,
            DomainErrorKind.NotFound => StatusCodes.Status404NotFound,
            DomainErrorKind.IllegalTransition or DomainErrorKind.Conflict or DomainErrorKind.IdempotencyKeyReused
                => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status500InternalServerError,
        };

        var extensions = new Dictionary<string, object?>();
        if (error.Fields.Count > 0) extensions["errors"] = error.Fields;
        if (!error.AllowedNext.IsDefaultOrEmpty) extensions["allowedNext"] = error.AllowedNext.Select(s => s.ToString()).ToArray();
        return TypedResults.Problem(error.Detail, statusCode: status, title: error.Title, extensions: extensions);
    }

    public static ProblemHttpResult BadRequest(string field, string detail) => TypedResults.Problem(
        detail,
        statusCode: StatusCodes.Status400BadRequest,
        title: $"Bad request: {field}.",
        extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [detail] } });

    public static ProblemHttpResult Unavailable(string detail) => TypedResults.Problem(
        detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Temporarily unavailable; retry with the same Idempotency-Key.");
}
