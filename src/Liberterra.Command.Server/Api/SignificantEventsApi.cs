using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Server.Views;
using Liberterra.Command.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Liberterra.Command.Server.Api;

/// <summary>The significant-events lane of the debrief: command marks events as significant, and withdraws marks.</summary>
public static class SignificantEventsApi
{
    public static IEndpointRouteBuilder MapSignificantEvents(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/operations/{operationId}/significant", ListSignificant).WithName("ListSignificantEvents")
            .WithTags("Debrief").RequireAuthorization(Policies.ReadTimeline);
        var marks = app.MapGroup("/api/operations/{operationId}/significant").WithTags("Debrief").RequireAuthorization(Policies.ManageOperations);
        marks.MapPost("/", MarkSignificant).WithName("MarkSignificantEvent");
        marks.MapDelete("/{seq:long}", WithdrawSignificant).WithName("WithdrawSignificantEvent");
        return app;
    }

    /// <summary>The significant-events lane: the marked events in sequence order, each with its mark.</summary>
    private static async Task<Results<Ok<SignificantEntry[]>, ProblemHttpResult>> ListSignificant(
        string operationId, IGrainFactory grains, ITimelineReader timeline, HttpContext http, CancellationToken ct)
    {
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);
        var view = Scope.ViewOf(http.User, state);
        var entries = new List<SignificantEntry>();
        foreach (var mark in await timeline.ListMarksAsync(operationId, ct))
        {
            var e = await timeline.ReadEventAsync(operationId, mark.Seq, ct);
            if (e is not null && mark.ToEntry(e, state, http.User, view) is { } entry) entries.Add(entry);
        }

        return TypedResults.Ok(entries.ToArray());
    }

    /// <summary>Command marks an event as significant (a verified entry: who marked it is kept, and audited).</summary>
    private static async Task<Results<Created<SignificantEntry>, ProblemHttpResult>> MarkSignificant(
        string operationId, MarkRequest request, IGrainFactory grains, ITimelineReader timeline, HttpContext http, CancellationToken ct)
    {
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);
        var errors = new FieldErrors();
        var title = request.Title?.Trim();
        if (OperationRules.ValidateMarkTitle(title) is { } badTitle)
            foreach (var (rule, message) in badTitle.Rules.Zip(badTitle.Fields["title"]))
                errors.Add("title", rule.Code, message, [.. rule.Args.Select(a => (a.Key, (object?)a.Value))]);
        if (request.Seq is not { } seq || seq < 1 || seq > state.LastSeq) errors.Add("seq", RuleCodes.Range, $"must be an event of this operation (1 to {state.LastSeq})", ("min", 1), ("max", state.LastSeq));
        if (errors.Count > 0) return Problems.From(DomainError.Invalid(errors));
        var view = Scope.ViewOf(http.User, state);
        if (await Beyond(view, operationId, request.Seq!.Value, timeline, ct) is { } beyond) return beyond;
        var mark = await timeline.MarkAsync(operationId, request.Seq!.Value, title!, Actors.Of(http), false, ct);
        var e = (await timeline.ReadEventAsync(operationId, mark.Seq, ct))!;
        return TypedResults.Created($"/api/operations/{operationId}/significant", mark.ToEntry(e, state, http.User, view)!);
    }

    /// <summary>
    /// An agency's commander marks the events of its own teams only: any other (another agency's, or the operation's
    /// own such as a definition) is refused in the same words, whether the agency sees it or not.
    /// </summary>
    private static async Task<ProblemHttpResult?> Beyond(Viewpoint view, string operationId, long seq, ITimelineReader timeline, CancellationToken ct)
    {
        if (view.SeesAll) return null;
        var e = await timeline.ReadEventAsync(operationId, seq, ct);
        return e?.TeamId is { } team && view.Rules.Manages(view.Agency, team)
            ? null
            : Problems.From(DomainError.Forbidden(RuleCodes.OtherAgency, $"Event {seq} is not one of this agency's teams': its own command or a coordinator marks it.", "seq"));
    }

    /// <summary>Withdraws a mark: the lane no longer shows it; the history of marks keeps both.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> WithdrawSignificant(
        string operationId, long seq, ITimelineReader timeline, IGrainFactory grains, HttpContext http, CancellationToken ct)
    {
        if (!OperationRules.IsValidId(operationId)) return OperationLookup.NoOperation(operationId);
        var view = await grains.ViewOf(operationId, http.User);
        var mark = (await timeline.ListMarksAsync(operationId, ct)).FirstOrDefault(m => m.Seq == seq);
        // A mark on an event this agency does not see is not there for it.
        if (mark is not null && !view.SeesAll && await timeline.ReadEventAsync(operationId, seq, ct) is { } marked && view.Event(marked) is null && marked.TeamId is not null)
            mark = null;
        if (mark is null) return Problems.From(DomainError.NotFound(RuleCodes.MarkNotFound, $"Event {seq} of operation {OperationLookup.Shown(operationId)} is not marked significant."));
        if (await Beyond(view, operationId, seq, timeline, ct) is { } beyond) return beyond;
        await timeline.MarkAsync(operationId, seq, mark.Title, Actors.Of(http), true, ct);
        return TypedResults.NoContent();
    }
}
