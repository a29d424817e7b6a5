using System.Text.Json;
using Liberterra.Command.Grains;
using Microsoft.AspNetCore.Diagnostics;

namespace Liberterra.Command.Server.Api;

/// <summary>
/// Answers every failure with a ProblemDetails: malformed JSON (400, with the JSON path), an oversized body (413),
/// a timeline or cluster briefly out of reach (503 with Retry-After, logged as one warning line), anything else (500,
/// details logged with the stack trace, not shown).
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (StatusCodes.Status413PayloadTooLarge, "Request body too large.",
                    $"The body is larger than this endpoint accepts ({RequestLimits.LimitFor(context)} bytes)."),
            BadHttpRequestException { InnerException: JsonException json } =>
                (StatusCodes.Status400BadRequest, "Malformed JSON.", DescribeJsonError(json)),
            BadHttpRequestException bad =>
                (bad.StatusCode, "Bad request.", bad.Message),
            _ when IsTransient(exception) =>
                (StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable; retry with the same Idempotency-Key.",
                    "The request could not be completed right now; a report was not recorded unless a retry with " +
                    "the same Idempotency-Key says so. It is safe to retry."),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected server error.", "The error was logged."),
        };

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            LogUnavailable(context.Request.Method, context.Request.Path, Cause(exception));
            context.Response.Headers.RetryAfter = "1";
        }
        else if (status >= 500)
        {
            LogFailure(exception, context.Request.Method, context.Request.Path);
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    // The database or the cluster is briefly out of reach: the client should retry (with the same key).
    private static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is TimelineUnavailableException or TimeoutException or OrleansException or System.Data.Common.DbException
                or System.Net.Sockets.SocketException)
                return true;
        }

        return false;
    }

    // System.Text.Json names the path ("$.children") and the position; it never echoes the offending text.
    private static string DescribeJsonError(JsonException json) =>
        json.Path is { Length: > 0 } path
            ? $"The body is not valid JSON for this request at '{path}': {json.Message}"
            : $"The body is not valid JSON: {json.Message}";

    // Expected while a silo dies or PostgreSQL restarts, and answered with "retry": one line each, no stack trace.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {Method} {Path} answered 503 (retry): {Cause}")]
    private partial void LogUnavailable(string method, PathString path, string cause);

    // The chain of exception types down to the root, and the root's message up to its first line break (some wrap
    // whole printed exceptions in their message).
    private static string Cause(Exception exception)
    {
        var types = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException) types.Add(e.GetType().Name);
        var message = exception.GetBaseException().Message;
        var end = message.IndexOfAny(['\r', '\n']);
        return $"{string.Join(" <- ", types)}: {(end < 0 ? message : message[..end])}";
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {Method} {Path} failed")]
    private partial void LogFailure(Exception ex, string method, PathString path);
}
