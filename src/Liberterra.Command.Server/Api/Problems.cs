using Liberterra.Command.Domain;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Liberterra.Command.Server.Api;

/// <summary>
/// Turns a refusal into the ProblemDetails a client reads. Every ProblemDetails carries a stable <c>code</c> (one of
/// <see cref="Codes"/>) for programs and pages to act on, beside the English title and detail for people.
/// </summary>
public static class Problems
{
    /// <summary>The stable codes of refusals (docs/api.md, "Errors", lists them with their statuses).</summary>
    public static class Codes
    {
        public const string MalformedJson = "malformed-json";
        public const string BadParameter = "bad-parameter";
        public const string IdempotencyKeyRequired = "idempotency-key-required";
        public const string IdempotencyKeyMalformed = "idempotency-key-malformed";
        public const string Unauthenticated = "unauthenticated";
        public const string Forbidden = "forbidden";
        public const string NotFound = "not-found";
        public const string MethodNotAllowed = "method-not-allowed";
        public const string IllegalTransition = "illegal-transition";
        public const string Conflict = "conflict";
        public const string IdempotencyKeyReused = "idempotency-key-reused";
        public const string BodyTooLarge = "body-too-large";
        public const string UnsupportedMediaType = "unsupported-media-type";
        public const string Invalid = "invalid";
        public const string ContentRefused = "content-refused";
        public const string RateLimited = "rate-limited";
        public const string Unavailable = "unavailable";
        public const string Internal = "internal";
    }

    /// <summary>The extension member that holds the code.</summary>
    public const string CodeMember = "code";

    /// <summary>
    /// The extension member that lists the rules broken, each with its field, its stable code
    /// (<see cref="RuleCodes"/>) and the values its message names: what a page words in its user's language.
    /// </summary>
    public const string RulesMember = "rules";

    /// <summary>One broken rule as a client reads it.</summary>
    public sealed record RuleView(string Field, string Code, IReadOnlyDictionary<string, string> Args);

    public static ProblemHttpResult From(DomainError error)
    {
        var (status, code) = error.Kind switch
        {
            DomainErrorKind.Validation => (StatusCodes.Status422UnprocessableEntity, Codes.Invalid),
            DomainErrorKind.NotFound => (StatusCodes.Status404NotFound, Codes.NotFound),
            DomainErrorKind.IllegalTransition => (StatusCodes.Status409Conflict, Codes.IllegalTransition),
            DomainErrorKind.IdempotencyKeyReused => (StatusCodes.Status409Conflict, Codes.IdempotencyKeyReused),
            DomainErrorKind.Conflict => (StatusCodes.Status409Conflict, Codes.Conflict),
            DomainErrorKind.Forbidden => (StatusCodes.Status403Forbidden, Codes.Forbidden),
            _ => (StatusCodes.Status500InternalServerError, Codes.Internal),
        };

        var extensions = new Dictionary<string, object?> { [CodeMember] = code };
        if (error.Fields.Count > 0) extensions["errors"] = error.Fields;
        if (error.MoreFields > 0) extensions["moreErrors"] = error.MoreFields;
        if (!error.AllowedNext.IsDefaultOrEmpty) extensions["allowedNext"] = error.AllowedNext.Select(s => s.ToString()).ToArray();
        if (!error.Rules.IsDefaultOrEmpty) extensions[RulesMember] = error.Rules.Select(r => new RuleView(r.Field, r.Code, r.Args)).ToArray();
        return TypedResults.Problem(error.Detail, statusCode: status, title: error.Title, extensions: extensions);
    }

    public static ProblemHttpResult BadRequest(string field, string detail, string code = Codes.BadParameter) => TypedResults.Problem(
        detail,
        statusCode: StatusCodes.Status400BadRequest,
        title: $"Bad request: {field}.",
        extensions: new Dictionary<string, object?>
        {
            [CodeMember] = code,
            ["errors"] = new Dictionary<string, string[]> { [field] = [detail] },
        });

    /// <summary>
    /// The <c>Idempotency-Key</c> every write that must count once carries (reports, orders, answers, distress calls):
    /// null when it is there and well formed, else the 400 that says what to send.
    /// </summary>
    public static ProblemHttpResult? CheckIdempotencyKey(string? key)
    {
        if (string.IsNullOrEmpty(key))
            return BadRequest(ReportsApi.IdempotencyKeyHeader,
                "The Idempotency-Key header is required: a new random key (a UUID) per report or action, reused only to retry it.",
                Codes.IdempotencyKeyRequired);
        return OperationRules.IsValidIdempotencyKey(key)
            ? null
            : BadRequest(ReportsApi.IdempotencyKeyHeader, "The Idempotency-Key must be 8 to 128 letters, digits, '_', '.', ':' or '-' (a UUID fits).",
                Codes.IdempotencyKeyMalformed);
    }

    /// <summary>A query or route parameter out of range: 422 naming it.</summary>
    public static ProblemHttpResult Invalid(string field, string code, string message, params (string Name, object? Value)[] args) =>
        From(DomainError.Invalid(field, code, message, args));

    /// <summary>
    /// Completes every ProblemDetails as it is written, the framework's own too (401, 404, 405 and 415 from status code
    /// pages): the code for its status when its writer gave none, and for a 415 the field and what to send.
    /// </summary>
    public static void Complete(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        problem.Extensions.TryAdd(CodeMember, CodeFor(status));
        if (status == StatusCodes.Status415UnsupportedMediaType && !problem.Extensions.ContainsKey("errors"))
        {
            problem.Detail ??= "The body must be JSON, sent with Content-Type: application/json.";
            problem.Extensions["errors"] = new Dictionary<string, string[]> { ["Content-Type"] = [problem.Detail] };
        }
    }

    /// <summary>The code for a status when the answer's writer gave none (the framework's own 401, 404, 405...).</summary>
    public static string CodeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => Codes.BadParameter,
        StatusCodes.Status401Unauthorized => Codes.Unauthenticated,
        StatusCodes.Status403Forbidden => Codes.Forbidden,
        StatusCodes.Status404NotFound => Codes.NotFound,
        StatusCodes.Status405MethodNotAllowed => Codes.MethodNotAllowed,
        StatusCodes.Status409Conflict => Codes.Conflict,
        StatusCodes.Status413PayloadTooLarge => Codes.BodyTooLarge,
        StatusCodes.Status415UnsupportedMediaType => Codes.UnsupportedMediaType,
        StatusCodes.Status422UnprocessableEntity => Codes.Invalid,
        StatusCodes.Status429TooManyRequests => Codes.RateLimited,
        StatusCodes.Status503ServiceUnavailable => Codes.Unavailable,
        >= 500 => Codes.Internal,
        _ => "error",
    };
}
