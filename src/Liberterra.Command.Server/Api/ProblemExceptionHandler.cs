using System.Text.Json;
using System.Text.RegularExpressions;
using Liberterra.Command.Server.Observability;
using Liberterra.Command.Storage;
using Microsoft.AspNetCore.Diagnostics;

namespace Liberterra.Command.Server.Api;

/// <summary>
/// Answers every failure with a ProblemDetails and its stable code: malformed JSON (400, with the JSON path), a query,
/// route or header value that does not bind (400 naming the parameter, never echoing the value), an oversized body
/// (413), a body that is not JSON (415), content the database refuses to store (422), a timeline or cluster briefly
/// out of reach (503 with Retry-After, counted by <see cref="TransientFailures"/>: a few lines per spell), anything else (500, logged with the stack trace,
/// details not shown).
/// </summary>
internal sealed partial class ProblemExceptionHandler(
    IProblemDetailsService problems, TransientFailures transient, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var answer = Classify(context, exception);
        if (answer.Status == StatusCodes.Status503ServiceUnavailable)
        {
            transient.Record($"{context.Request.Method} {context.Request.Path}", exception);
            context.Response.Headers.RetryAfter = "1";
        }
        else if (answer.Status >= 500)
        {
            LogFailure(exception, context.Request.Method, context.Request.Path);
        }
        else if (answer.Code == Problems.Codes.ContentRefused)
        {
            LogContentRefused(context.Request.Method, context.Request.Path, TransientFailures.Cause(exception));
        }

        context.Response.StatusCode = answer.Status;
        var details = new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = answer.Status, Title = answer.Title, Detail = answer.Detail },
        };
        details.ProblemDetails.Extensions[Problems.CodeMember] = answer.Code;
        if (answer.Field is { } field)
            details.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [answer.Detail] };
        return await problems.TryWriteAsync(details);
    }

    private readonly record struct Answer(int Status, string Code, string Title, string Detail, string? Field = null);

    private static Answer Classify(HttpContext context, Exception exception) => exception switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            new(StatusCodes.Status413PayloadTooLarge, Problems.Codes.BodyTooLarge, "Request body too large.",
                $"The body is larger than this endpoint accepts ({RequestLimits.LimitFor(context)} bytes)."),
        BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } =>
            new(StatusCodes.Status415UnsupportedMediaType, Problems.Codes.UnsupportedMediaType, "Unsupported media type.",
                "The body must be JSON, sent with Content-Type: application/json.", "Content-Type"),
        BadHttpRequestException { InnerException: JsonException json } => DescribeJson(json),
        BadHttpRequestException bad => DescribeBinding(bad),
        _ when TimelineContentRefusedException.IsContentRefusal(exception) =>
            new(StatusCodes.Status422UnprocessableEntity, Problems.Codes.ContentRefused, "Content refused.",
                "The database refused to store a value of this request (text it cannot encode, or a value out of its range); " +
                "nothing was stored. Sending it again will be refused again."),
        OperationCanceledException when !context.RequestAborted.IsCancellationRequested => Unavailable(),
        _ when TransientFailures.IsTransient(exception) => Unavailable(),
        _ => new(StatusCodes.Status500InternalServerError, Problems.Codes.Internal, "Unexpected server error.", "The error was logged."),
    };

    private static Answer Unavailable() =>
        new(StatusCodes.Status503ServiceUnavailable, Problems.Codes.Unavailable, "Temporarily unavailable; retry with the same Idempotency-Key.",
            "The request could not be completed right now. A write may or may not have been stored: retry it with the same " +
            "Idempotency-Key (the answer then says what was stored, exactly once); never resend it with a new key.");

    // System.Text.Json names the path ("$.children"); what the client sent is never repeated, only which kind of fault.
    private static Answer DescribeJson(JsonException json)
    {
        var path = json.Path is { Length: > 0 } p && SafePath().IsMatch(p) ? p : null;
        var message = json.Message;
        var (code, what) = message switch
        {
            _ when message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal) =>
                (Problems.Codes.MalformedJson, "a field this request does not take (check its spelling)"),
            _ when message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase) =>
                (Problems.Codes.MalformedJson, "a field given twice"),
            _ when message.Contains("could not be converted", StringComparison.Ordinal) =>
                (Problems.Codes.MalformedJson, "a value of the wrong type (a number where a number is expected, whole numbers for counts, text in quotes)"),
            _ when message.Contains("UTF-8", StringComparison.OrdinalIgnoreCase) || message.Contains("UTF-16", StringComparison.OrdinalIgnoreCase) =>
                (Problems.Codes.MalformedJson, "text that is not valid Unicode"),
            _ => (Problems.Codes.MalformedJson, "a syntax error"),
        };
        var field = path is null or "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
        return new(StatusCodes.Status400BadRequest, code, "Malformed JSON.",
            path is null ? $"The body is not valid JSON for this request: {what}." : $"The body is not valid JSON for this request at '{path}': {what}.",
            field);
    }

    [GeneratedRegex(@"^\$[A-Za-z0-9_.\[\]]{0,120}$")]
    private static partial Regex SafePath();

    // ASP.NET Core's binding messages name the parameter and quote the value: keep the name, drop the value.
    [GeneratedRegex("parameter \"(?:[^\"]*\\s)?(?<name>[A-Za-z_][A-Za-z0-9_]{0,63})\"")]
    private static partial Regex ParameterName();

    private static Answer DescribeBinding(BadHttpRequestException bad)
    {
        var name = ParameterName().Match(bad.Message) is { Success: true } m ? m.Groups["name"].Value : null;
        var (field, detail) = bad.Message switch
        {
            var t when t.StartsWith("Failed to bind parameter", StringComparison.Ordinal) && name is not null =>
                (name, $"'{name}' is not a value of the type it takes (a whole number, a time in ISO 8601, or as the API describes)."),
            var t when t.StartsWith("Required parameter", StringComparison.Ordinal) && name is not null => (name, $"'{name}' is required."),
            var t when t.StartsWith("Implicit body", StringComparison.Ordinal) => ("body", "A JSON body is required."),
            _ => (name ?? "request", "The request could not be read."),
        };
        return new(bad.StatusCode, field == "body" ? Problems.Codes.MalformedJson : Problems.CodeFor(bad.StatusCode), "Bad request.", detail, field);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {Method} {Path} answered 422: the database refused its content ({Cause})")]
    private partial void LogContentRefused(string method, PathString path, string cause);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {Method} {Path} failed")]
    private partial void LogFailure(Exception ex, string method, PathString path);
}
