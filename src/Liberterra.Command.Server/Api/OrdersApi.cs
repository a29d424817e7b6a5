using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Grains;
using Liberterra.Command.Server.Observability;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Server.Views;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Liberterra.Command.Server.Api;

/// <summary>
/// Command reaches the field: orders (issue, cancel) and distress calls (take) from command staff; answers to orders and
/// distress calls (raise, withdraw) from team leads. Every one is a timeline event, exactly once per <c>Idempotency-Key</c>,
/// through the operation's single writer like a field report.
/// </summary>
public static class OrdersApi
{
    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var op = app.MapGroup("/api/operations/{operationId}").WithTags("Orders and distress")
            .WithMetadata(new BodySizeLimit(ReportsApi.MaxReportBytes));
        op.MapPost("/orders", IssueOrder).WithName("IssueOrder").RequireAuthorization(Policies.CommandField);
        op.MapGet("/orders", ListOrders).WithName("ListOrders").RequireAuthorization(Policies.ReadOperations);
        op.MapPost("/orders/{orderSeq:long}/cancel", CancelOrder).WithName("CancelOrder").RequireAuthorization(Policies.CommandField);
        op.MapGet("/distress", ListDistress).WithName("ListDistress").RequireAuthorization(Policies.ReadOperations);
        op.MapPost("/distress/{distressSeq:long}/take", TakeDistress).WithName("TakeDistress").RequireAuthorization(Policies.CommandField);

        var team = op.MapGroup("/teams/{teamId}");
        team.MapGet("/orders", GetTeamOrders).WithName("GetTeamOrders").RequireAuthorization(Policies.ReadTeam);
        team.MapPost("/orders/{orderSeq:long}/answer", AnswerOrder).WithName("AnswerOrder").RequireAuthorization(Policies.PostReports);
        team.MapPost("/distress", RaiseDistress).WithName("RaiseDistress").RequireAuthorization(Policies.PostReports)
            .WithMetadata(new Security.DistressLimit());
        team.MapPost("/distress/{distressSeq:long}/cancel", CancelDistress).WithName("CancelDistress").RequireAuthorization(Policies.PostReports)
            .WithMetadata(new Security.DistressLimit());
        return app;
    }

    private static Task<Results<Created<CommandAck>, Ok<CommandAck>, ProblemHttpResult>> IssueOrder(
        string operationId, OrderRequest request, [FromHeader(Name = ReportsApi.IdempotencyKeyHeader)] string? key,
        IGrainFactory grains, LiberterraMetrics metrics, HttpContext http)
    {
        var (order, error) = RequestMapping.ToDomain(request);
        return Direct(operationId, key, order is null ? null : new OrderIssued(order), error, grains, metrics, http);
    }

    private static Task<Results<Created<CommandAck>, Ok<CommandAck>, ProblemHttpResult>> CancelOrder(
        string operationId, long orderSeq, [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] CancelRequest? request, [FromHeader(Name = ReportsApi.IdempotencyKeyHeader)] string? key,
        IGrainFactory grains, LiberterraMetrics metrics, HttpContext http) =>
        Direct(operationId, key, new OrderCancelled(orderSeq, Blank(request?.Reason)), null, grains, metrics, http);

    private static Task<Results<Created<CommandAck>, Ok<CommandAck>, ProblemHttpResult>> TakeDistress(
        string operationId, long distressSeq, [FromHeader(Name = ReportsApi.IdempotencyKeyHeader)] string? key,
        IGrainFactory grains, LiberterraMetrics metrics, HttpContext http) =>
        Direct(operationId, key, new DistressTaken(distressSeq), null, grains, metrics, http);

    private static Task<Results<Created<CommandAck>, Ok<CommandAck>, ProblemHttpResult>> AnswerOrder(
        string operationId, string teamId, long orderSeq, OrderAnswerRequest request,
        [FromHeader(Name = ReportsApi.IdempotencyKeyHeader)] string? key, IGrainFactory grains, LiberterraMetrics metrics, HttpContext http)
    {
        DomainError? error = null;
        var answer = OrderAnswer.Acknowledged;
        if (request.Answer is null) error = DomainError.Invalid("answer", RuleCodes.Required, "is required: Acknowledged or Unable");
        else if (!RequestMapping.TryParseEnum(request.Answer, out answer)) error = DomainError.Invalid("answer", RuleCodes.UnknownValue, "must be Acknowledged or Unable");
        return Submit(operationId, teamId, key, request.ClientTime, new OrderAnswered(orderSeq, answer, Blank(request.Reason)), error, grains, metrics, http);
    }

    private static Task<Results<Created<CommandAck>, Ok<CommandAck>, ProblemHttpResult>> RaiseDistress(
        string operationId, string teamId, [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] DistressRequest? request, [FromHeader(Name = ReportsApi.IdempotencyKeyHeader)] string? key,
        IGrainFactory grains, LiberterraMetrics metrics, HttpContext http)
    {
        var (position, error) = request?.Position is { } p ? RequestMapping.ToDomain(p, "position") : (null, null);
        return Submit(operationId, teamId, key, request?.ClientTime, new DistressRaised(position), error, grains, metrics, http);
    }

    private static Task<Results<Created<CommandAck>, Ok<CommandAck>, ProblemHttpResult>> CancelDistress(
        string operationId, string teamId, long distressSeq, [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] CancelRequest? request,
        [FromHeader(Name = ReportsApi.IdempotencyKeyHeader)] string? key, IGrainFactory grains, LiberterraMetrics metrics, HttpContext http) =>
        Submit(operationId, teamId, key, request?.ClientTime, new DistressCancelled(distressSeq, Blank(request?.Reason)), null, grains, metrics, http);

    /// <summary>The team's orders (newest first) and its latest distress call: the field page's view of command.</summary>
    private static async Task<Results<Ok<TeamOrdersView>, ProblemHttpResult>> GetTeamOrders(string operationId, string teamId, IGrainFactory grains, HttpContext http)
    {
        var orders = OperationRules.IsValidId(operationId) && OperationRules.IsValidId(teamId)
            ? await grains.GetGrain<IOperationGrain>(operationId).GetTeamOrders(teamId)
            : null;
        var view = await grains.ViewOf(operationId, http.User);
        if (orders is null || view.Hides(teamId)) return OperationLookup.NoTeam(operationId, teamId);
        // Another agency's team: only the orders this agency sees (those that also reached its own teams).
        return TypedResults.Ok((view.SeesAll ? orders : orders with
        {
            Team = view.Team(orders.Team)!,
            Orders = [.. orders.Orders.Select(view.Order).OfType<OrderState>()],
            Distress = orders.Distress is { } d ? view.Distress(d) : null,
        }).ToView(operationId));
    }

    /// <summary>The operation's orders, oldest first; <c>?open=true</c> for those still awaiting answers.</summary>
    private static async Task<Results<Ok<OrderView[]>, ProblemHttpResult>> ListOrders(string operationId, bool? open, IGrainFactory grains, HttpContext http)
    {
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);
        var view = Scope.ViewOf(http.User, state);
        return TypedResults.Ok(state.Orders.Values.Select(view.Order).OfType<OrderState>().Where(o => open != true || o.Open).Select(o => o.ToView()).ToArray());
    }

    /// <summary>The operation's distress calls, oldest first; <c>?open=true</c> for those nobody has taken.</summary>
    private static async Task<Results<Ok<DistressView[]>, ProblemHttpResult>> ListDistress(string operationId, bool? open, IGrainFactory grains, HttpContext http)
    {
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);
        var view = Scope.ViewOf(http.User, state);
        return TypedResults.Ok(state.Distress.Values.Select(view.Distress).OfType<DistressState>().Where(d => open != true || d.Open)
            .Select(d => d.ToView(state.Teams.GetValueOrDefault(d.TeamId) is { } team ? view.Team(team) : null)).ToArray());
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static async Task<Results<Created<CommandAck>, Ok<CommandAck>, ProblemHttpResult>> Direct(
        string operationId, string? key, EventPayload? payload, DomainError? parseError, IGrainFactory grains, LiberterraMetrics metrics,
        HttpContext http)
    {
        if (Problems.CheckIdempotencyKey(key) is { } badKey) return badKey;
        if (!OperationRules.IsValidId(operationId)) return OperationLookup.NoOperation(operationId);
        if (parseError is not null) return Problems.From(parseError);
        // An agency's staff direct their own teams only (a coordinator's, any).
        if (Scope.AgencyOf(http.User) is { } agency && await grains.CurrentState(operationId) is { } state
            && AgencyCommands.Refusal(state, agency, payload!) is { } beyond)
            return Problems.From(beyond);
        var outcome = await grains.GetGrain<IOperationGrain>(operationId).Direct(new StaffCommand(operationId, key!, Actors.Of(http), payload!));
        return Answer(outcome, operationId, null, metrics);
    }

    private static async Task<Results<Created<CommandAck>, Ok<CommandAck>, ProblemHttpResult>> Submit(
        string operationId, string teamId, string? key, DateTimeOffset? clientTime, EventPayload payload, DomainError? parseError,
        IGrainFactory grains, LiberterraMetrics metrics, HttpContext http)
    {
        if (Problems.CheckIdempotencyKey(key) is { } badKey) return badKey;
        if (!OperationRules.IsValidId(operationId) || !OperationRules.IsValidId(teamId))
            return Problems.From(DomainError.NotFound(RuleCodes.TeamNotFound, $"No team {OperationLookup.Shown(teamId)} in operation {OperationLookup.Shown(operationId)}.", ("id", teamId)));
        if (parseError is not null) return Problems.From(parseError);
        var command = new TeamCommand(operationId, teamId, key!, Actors.Of(http), clientTime?.ToUniversalTime(), payload);
        var outcome = await grains.GetGrain<IOperationGrain>(operationId).Submit(command);
        return Answer(outcome, operationId, teamId, metrics);
    }

    // teamId: the answering team, whose own view of the order is returned (never the other teams' answers).
    private static Results<Created<CommandAck>, Ok<CommandAck>, ProblemHttpResult> Answer(
        CommandOutcome outcome, string operationId, string? teamId, LiberterraMetrics metrics)
    {
        if (outcome.Error is { } refused)
        {
            var problem = Problems.From(refused);
            metrics.Refused(problem.StatusCode);
            return problem;
        }

        var e = outcome.Event ?? throw new InvalidOperationException("A command outcome without event or error.");
        var order = outcome.Order?.ToView();
        var ack = new CommandAck(e.Seq, operationId, e.Kind, e.IdempotencyKey, e.ServerTime,
            teamId is null ? order : null, teamId is null ? null : order?.ForTeam(teamId), outcome.Distress?.ToView(outcome.Team));
        if (outcome.Replayed)
        {
            metrics.Repeated(e.Kind);
            return TypedResults.Ok(ack);
        }

        metrics.Accepted(e.Kind);
        return TypedResults.Created((string?)null, ack);
    }
}
