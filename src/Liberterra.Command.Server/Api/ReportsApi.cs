using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Grains;
using Liberterra.Command.Server.Observability;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Server.Views;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Liberterra.Command.Server.Api;

/// <summary>Field reports and corrections from team leads, exactly once per <c>Idempotency-Key</c>.</summary>
public static class ReportsApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>A report is small: a 1,000-character note and a few numbers.</summary>
    public const long MaxReportBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var team = app.MapGroup("/api/operations/{operationId}/teams/{teamId}").WithTags("Field reports")
            .WithMetadata(new BodySizeLimit(MaxReportBytes))
            .RequireAuthorization(Policies.PostReports);
        team.MapPost("/reports", PostReport).WithName("PostReport");
        team.MapPost("/corrections", PostCorrection).WithName("PostCorrection");
        return app;
    }

    private static Task<Results<Created<ReportAck>, Ok<ReportAck>, ProblemHttpResult>> PostReport(
        string operationId, string teamId, FieldReportRequest report,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, IGrainFactory grains, LiberterraMetrics metrics, HttpContext http)
    {
        var (parsed, error) = RequestMapping.ToDomain(report);
        return Submit(operationId, teamId, idempotencyKey, report.ClientTime, parsed is null ? null : new FieldReported(parsed),
            error, grains, metrics, http);
    }

    private static Task<Results<Created<ReportAck>, Ok<ReportAck>, ProblemHttpResult>> PostCorrection(
        string operationId, string teamId, CorrectionRequest correction,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, IGrainFactory grains, LiberterraMetrics metrics, HttpContext http)
    {
        var (parsed, error) = RequestMapping.ToDomain(correction);
        return Submit(operationId, teamId, idempotencyKey, correction.ClientTime,
            parsed is null ? null : new ReportCorrected(parsed), error, grains, metrics, http);
    }

    private static async Task<Results<Created<ReportAck>, Ok<ReportAck>, ProblemHttpResult>> Submit(
        string operationId, string teamId, string? key, DateTimeOffset? clientTime, EventPayload? payload,
        DomainError? parseError, IGrainFactory grains, LiberterraMetrics metrics, HttpContext http)
    {
        if (Problems.CheckIdempotencyKey(key) is { } badKey) return badKey;
        if (!OperationRules.IsValidId(operationId) || !OperationRules.IsValidId(teamId))
            return Problems.From(DomainError.NotFound(RuleCodes.TeamNotFound, $"No team {OperationLookup.Shown(teamId)} in operation {OperationLookup.Shown(operationId)}.", ("id", teamId)));
        if (parseError is not null) return Problems.From(parseError);

        var command = new TeamCommand(operationId, teamId, key!, Actors.Of(http), clientTime?.ToUniversalTime(), payload!);
        var outcome = await grains.Reference<IOperationGrain>(operationId).Submit(command);
        switch (outcome)
        {
            case { Error: { } refused }:
                var problem = Problems.From(refused);
                metrics.Refused(problem.StatusCode);
                return problem;
            case { Event: { } e, Replayed: true }:
                metrics.Repeated(payload!.Kind);
                return TypedResults.Ok(e.ToAck());
            case { Event: { } e }:
                metrics.Accepted(payload!.Kind);
                return TypedResults.Created((string?)null, e.ToAck());
            default:
                throw new InvalidOperationException("A command outcome without event or error.");
        }
    }
}
