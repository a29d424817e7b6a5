using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Server.Views;
using Liberterra.Command.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Liberterra.Command.Server.Api;

/// <summary>
/// The debrief's reads: the timeline, its histogram, the operation at any past moment and the after-action report
/// (folded by <see cref="AfterAction"/>). Exports are in <see cref="TimelineExports"/>, marks in <see cref="SignificantEventsApi"/>.
/// </summary>
public static class TimelineApi
{
    public const int MaxTimelinePage = 1000;

    public static IEndpointRouteBuilder MapTimelineApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/operations/{operationId}").WithTags("Debrief").RequireAuthorization(Policies.ReadTimeline);
        api.MapGet("/timeline", GetTimeline).WithName("GetTimeline");
        api.MapGet("/state", GetState).WithName("GetPastState");
        api.MapGet("/timeline/histogram", GetHistogram).WithName("GetTimelineHistogram");
        api.MapGet("/report", GetReport).WithName("GetAfterActionReport");
        return app.MapTimelineExports().MapSignificantEvents();
    }

    private static readonly string[] Kinds = [EventKinds.OperationDefined, EventKinds.FieldReported, EventKinds.ReportCorrected, EventKinds.CheckInOverdue, EventKinds.PositionReported, EventKinds.MessageSent];

    /// <summary>Events by sequence number, filtered by time range, team, region and kind; paged with <c>after</c>.</summary>
    private static async Task<Results<Ok<TimelinePage>, ProblemHttpResult>> GetTimeline(
        string operationId, IGrainFactory grains, ITimelineReader timeline, HttpContext http,
        long after = 0, int limit = 100, DateTimeOffset? from = null, DateTimeOffset? to = null,
        string? team = null, string? region = null, string? kind = null, CancellationToken ct = default)
    {
        var errors = new FieldErrors();
        if (limit is < 1 or > MaxTimelinePage) errors.Add("limit", RuleCodes.Range, $"must be from 1 to {MaxTimelinePage}", ("min", 1), ("max", MaxTimelinePage));
        if (after < 0) errors.Add("after", RuleCodes.Range, "must be 0 or a sequence number", ("min", 0));
        if (from is { } f && to is { } t && t <= f) errors.Add("to", RuleCodes.WindowOrder, "must be after from");
        var kinds = kind?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (kinds?.FirstOrDefault(k => !Kinds.Contains(k)) is { } unknown) errors.Add("kind", RuleCodes.UnknownValue, $"'{unknown}' is not one of {string.Join(", ", Kinds)}");
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);
        var view = Scope.ViewOf(http.User, state);
        var teams = team?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        // A team this agency does not see is refused in the same words as one that does not exist.
        if (teams?.FirstOrDefault(id => !state.Teams.ContainsKey(id) || view.Hides(id)) is { } noTeam) errors.Add("team", RuleCodes.UnknownTeam, $"no team '{noTeam}' in this operation", ("id", noTeam));
        if (region is not null)
        {
            if (!state.Regions.ContainsKey(region)) errors.Add("region", RuleCodes.UnknownRegion, $"no region '{region}' in this operation", ("id", region));
            var inRegion = state.Teams.Values.Where(x => x.Definition.RegionId == region).Select(x => x.Definition.Id).ToList();
            teams = teams is null ? inRegion : [.. teams.Intersect(inRegion)];
        }

        if (errors.Count > 0) return Problems.From(DomainError.Invalid(errors));
        var events = await timeline.QueryAsync(operationId, new TimelineQuery(after, limit, from, to, teams, kinds), ct);
        return TypedResults.Ok(new TimelinePage(
            [.. events.Select(e => e.ToEntry(state, http.User, view)).OfType<TimelineEntry>()], events.Count == limit ? events[^1].Seq : null));
    }

    /// <summary>Where events cluster in time: counts per equal span from the first event to the last.</summary>
    private static async Task<Results<Ok<TimelineHistogram>, ProblemHttpResult>> GetHistogram(
        string operationId, ITimelineReader timeline, int buckets = 200, CancellationToken ct = default)
    {
        if (buckets is < 1 or > 2000) return Problems.From(DomainError.Invalid("buckets", RuleCodes.Range, "must be from 1 to 2000", ("min", 1), ("max", 2000)));
        if (!OperationRules.IsValidId(operationId)) return OperationLookup.NoOperation(operationId);
        var first = await timeline.ReadEventAsync(operationId, 1, ct);
        var head = await timeline.SeqAtAsync(operationId, DateTimeOffset.MaxValue, ct);
        if (first is null || head == 0) return OperationLookup.NoOperation(operationId);
        var last = (await timeline.ReadEventAsync(operationId, head, ct))!;
        var counts = await timeline.HistogramAsync(operationId, first.ServerTime, last.ServerTime, buckets, ct);
        return TypedResults.Ok(new TimelineHistogram(first.ServerTime, last.ServerTime, counts));
    }

    /// <summary>The operation exactly as the wall showed it after event <c>seq</c>, or as of the instant <c>at</c>.</summary>
    private static async Task<Results<Ok<OperationView>, ProblemHttpResult>> GetState(
        string operationId, ITimelineReader timeline, TimeTravel travel, HttpContext http, long? seq = null, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        if (seq is null == at is null) return Problems.From(DomainError.Invalid("seq", RuleCodes.OneOf, "give exactly one of seq (a sequence number) or at (a UTC time)"));
        if (!OperationRules.IsValidId(operationId)) return OperationLookup.NoOperation(operationId);
        var head = await timeline.SeqAtAsync(operationId, DateTimeOffset.MaxValue, ct);
        if (head == 0) return OperationLookup.NoOperation(operationId);
        if (seq is < 1) return Problems.From(DomainError.Invalid("seq", RuleCodes.Range, "must be 1 or more", ("min", 1)));
        if (seq > head) return Problems.From(DomainError.Invalid("seq", RuleCodes.Range, $"is after the last event ({head})", ("min", 1), ("max", head)));
        var state = seq is { } n ? await travel.AtSeqAsync(operationId, n, ct) : await travel.AtTimeAsync(operationId, at!.Value, ct);
        return state is null
            ? Problems.Invalid("at", RuleCodes.Range, $"is before the operation was defined ({(await timeline.ReadEventAsync(operationId, 1, ct))?.ServerTime:O})")
            : TypedResults.Ok(state.ToView(Scope.ViewOf(http.User, state)));
    }

    /// <summary>The most days the report's by-day table holds (the last ones, when the events span more).</summary>
    public const int MaxReportDays = 62;

    /// <summary>The after-action report's figures, from one pass over the timeline (streamed, constant memory per team).</summary>
    private static async Task<Results<Ok<AfterActionReport>, ProblemHttpResult>> GetReport(
        string operationId, IGrainFactory grains, ITimelineReader timeline, HttpContext http, CancellationToken ct)
    {
        var final = await grains.CurrentState(operationId);
        if (final is null) return OperationLookup.NoOperation(operationId);

        var fold = new AfterAction();
        await foreach (var e in timeline.ReadAsync(operationId, 0, ct)) fold.Add(e);
        var end = fold.Last ?? final.WindowEnd;

        // Need-to-know: the teams, orders, distress calls, overdue check-ins and marks this credential sees; the totals,
        // the counts of reports and the days are the whole operation's, for everyone.
        var view = Scope.ViewOf(http.User, final);
        var shown = view.State(final);
        var significant = new List<SignificantEntry>();
        foreach (var mark in await timeline.ListMarksAsync(operationId, ct))
            if (await timeline.ReadEventAsync(operationId, mark.Seq, ct) is { } e && mark.ToEntry(e, final, http.User, view) is { } entry)
                significant.Add(entry);

        return TypedResults.Ok(new AfterActionReport(
            final.Id, final.Name, final.WindowStart, final.WindowEnd, final.Exercise, fold.First ?? final.WindowStart, end, final.LastSeq,
            final.Totals.ToView(), fold.Reports, fold.Corrections,
            [.. fold.Days(MaxReportDays).Select(d => new DayTotals(d.Day, d.Counts.ToView(), d.Reports))],
            [.. final.Regions.Values.Select(r => new RegionReport(r.Definition.Id, r.Definition.Name, r.Definition.CountryCode, r.Totals.ToView(),
                shown.Teams.Values.Count(t => t.Definition.RegionId == r.Definition.Id),
                shown.Teams.Values.Where(t => t.Definition.RegionId == r.Definition.Id).Sum(t => fold.ReportsOf(t.Definition.Id))))],
            [.. shown.Teams.Values.Select(t => new TeamReport(t.Definition.Id, t.Definition.CallSign, t.Definition.RegionId, t.Definition.Kind.ToString(),
                t.Totals.ToView(), fold.ReportsOf(t.Definition.Id),
                [.. fold.StatusesOf(t.Definition.Id, end).Select(x => new StatusInterval(x.Status.ToString(), x.From, x.To))]))],
            [.. fold.Overdue.Where(o => !view.Hides(o.TeamId)).Select(o => new OverdueReport(o.Seq, o.TeamId, o.FlaggedAt, o.LastCheckIn))], significant,
            [.. shown.Orders.Values.Select(OrderReportOf)],
            [.. shown.Orders.Values.GroupBy(o => o.Order.Kind).OrderBy(g => g.Key).Select(g =>
            {
                var acks = g.SelectMany(AcknowledgementSeconds).ToList();
                return new OrderKindFigures(g.Key.ToString(), g.Count(), acks.Count, Median(acks));
            })],
            [.. shown.Distress.Values.Select(d => new DistressReport(d.Seq, d.TeamId, d.RaisedAt, d.EscalatedAt, d.TakenAt, d.TakenBy, d.CancelledAt,
                d.TakenAt is { } taken ? (taken - d.RaisedAt).TotalSeconds : null))]));
    }

    // Seconds of the operation's clock from an order's issue to each team's acknowledgement.
    private static IEnumerable<double> AcknowledgementSeconds(OrderState o) =>
        o.Answers.Values.Where(a => a.Answer == OrderAnswer.Acknowledged).Select(a => (a.At - o.IssuedAt).TotalSeconds);

    private static OrderReport OrderReportOf(OrderState o)
    {
        var acks = AcknowledgementSeconds(o).ToList();
        return new OrderReport(o.Seq, o.Order.Kind.ToString(), EventText.Target(o.Order.Target), o.IssuedAt, o.IssuedBy, o.DueBy, o.Recipients.Count,
            acks.Count, o.Answers.Values.Count(a => a.Answer == OrderAnswer.Unable), o.Recipients.Count - o.Answers.Count, o.Overdue.Count, o.Cancelled,
            Median(acks), acks.Count > 0 ? acks.Max() : null, o.Order.Target.Scope.ToString(), o.Order.Target.Id);
    }

    private static double? Median(List<double> values)
    {
        if (values.Count == 0) return null;
        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

}
