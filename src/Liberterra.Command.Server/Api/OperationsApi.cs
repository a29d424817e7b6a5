using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Grains;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Server.Views;
using Liberterra.Command.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Liberterra.Command.Server.Api;

/// <summary>Operations, their hotspot regions and teams: define and read.</summary>
public static class OperationsApi
{
    /// <summary>A definition with thousands of teams is a few megabytes at most.</summary>
    public const long MaxDefinitionBytes = 8 * 1024 * 1024;

    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/operations").WithTags("Operations");
        api.MapGet("/", ListOperations).WithName("ListOperations").RequireAuthorization(Policies.ReadOperations);
        api.MapGet("/{operationId}", GetOperation).WithName("GetOperation").RequireAuthorization(Policies.ReadOperations);
        api.MapPut("/{operationId}", PutOperation).WithName("PutOperation").RequireAuthorization(Policies.ManageOperations)
            .WithMetadata(new BodySizeLimit(MaxDefinitionBytes));
        api.MapGet("/{operationId}/teams/{teamId}", GetTeam).WithName("GetTeam").RequireAuthorization(Policies.ReadTeam);
        api.MapGet("/{operationId}/teams/{teamId}/operation", GetTeamOperation).WithName("GetTeamOperation").RequireAuthorization(Policies.ReadTeam);
        api.MapGet("/{operationId}/teams/{teamId}/reports", GetTeamReports).WithName("GetTeamReports").RequireAuthorization(Policies.ReadTeam);
        api.MapGet("/{operationId}/regions/{regionId}", GetRegion).WithName("GetRegion").RequireAuthorization(Policies.ReadOperations);
        api.MapGet("/{operationId}/ticker", GetTicker).WithName("GetTicker").RequireAuthorization(Policies.ReadOperations);
        api.MapGet("/{operationId}/activity", GetActivity).WithName("GetActivity").RequireAuthorization(Policies.ReadOperations);
        return app;
    }

    private static async Task<Ok<OperationSummary[]>> ListOperations(
        ITimelineReader timeline, IGrainFactory grains, HttpContext http, CancellationToken ct)
    {
        var limitedTo = Scope.Operations(http.User);
        var ids = (await timeline.ListOperationsAsync(ct)).Where(id => limitedTo.Count == 0 || limitedTo.Contains(id)).ToList();
        var states = await Task.WhenAll(ids.Select(id => grains.GetGrain<IOperationGrain>(id).GetState()));
        return TypedResults.Ok(states.OfType<OperationState>().Select(s => s.ToSummary(Scope.ViewOf(http.User, s))).ToArray());
    }

    private static async Task<Results<Ok<OperationView>, ProblemHttpResult>> GetOperation(
        string operationId, IGrainFactory grains, HttpContext http)
    {
        var state = OperationRules.IsValidId(operationId)
            ? await grains.GetGrain<IOperationGrain>(operationId).GetState()
            : null;
        return state is null ? OperationLookup.NoOperation(operationId) : TypedResults.Ok(state.ToView(Scope.ViewOf(http.User, state)));
    }

    private static async Task<Results<Created<OperationView>, Ok<OperationView>, ProblemHttpResult>> PutOperation(
        string operationId, OperationDefinitionRequest definition, IGrainFactory grains, HttpContext http)
    {
        if (!OperationRules.IsValidId(operationId))
            return Problems.From(DomainError.Invalid("operationId", RuleCodes.IdFormat, "must be 1-64 letters, digits, '_', '.' or '-'"));
        var (parsed, error) = RequestMapping.ToDomain(operationId, definition);
        if (error is not null) return Problems.From(error);

        // An agency's commander changes its own teams only: everything else must be as it is.
        // It sends what it sees: the teams it is not shown are kept as they are.
        var agency = Scope.AgencyOf(http.User);
        if (agency is not null)
        {
            var current = (await grains.CurrentState(operationId))?.Definition;
            if (current is not null) parsed = AgencyEdits.WithHidden(current, parsed!, agency);
            if (AgencyEdits.Refusal(current, parsed!, agency) is { } beyond) return Problems.From(beyond);
        }

        var outcome = await grains.GetGrain<IOperationGrain>(operationId).Define(parsed!, Actors.Of(http));
        return outcome switch
        {
            { Error: { } refused } => Problems.From(refused),
            { Result: DefineResult.Created, State: { } s } => TypedResults.Created($"/api/operations/{operationId}", s.ToView(Scope.ViewOf(http.User, s))),
            { State: { } s } => TypedResults.Ok(s.ToView(Scope.ViewOf(http.User, s))),
            _ => throw new InvalidOperationException("A definition outcome without state or error."),
        };
    }

    /// <summary>
    /// The team's view. With <paramref name="minSeq"/> (the number of a report or correction the caller was acknowledged),
    /// at least as of that event: the view is updated one-way after each commit, and one behind it catches up first.
    /// </summary>
    private static async Task<Results<Ok<TeamView>, ProblemHttpResult>> GetTeam(
        string operationId, string teamId, IGrainFactory grains, HttpContext http, long minSeq = 0)
    {
        if (minSeq < 0) return Problems.From(DomainError.Invalid("minSeq", RuleCodes.Range, "must be 0 or a sequence number", ("min", 0)));
        var state = OperationRules.IsValidId(operationId) && OperationRules.IsValidId(teamId)
            ? await grains.GetGrain<ITeamGrain>(GrainKeys.Team(operationId, teamId)).GetState(minSeq)
            : null;
        var shown = state?.ToView(await grains.ViewOf(operationId, http.User));
        return shown is null ? OperationLookup.NoTeam(operationId, teamId) : TypedResults.Ok(shown);
    }

    /// <summary>
    /// The team's operation as its lead's page needs it: name, window, drill flag and clock (the field page counts ages
    /// on an exercise's compressed clock). Under the team's path, so a team lead's credential reads it.
    /// </summary>
    private static async Task<Results<Ok<OperationHeaderView>, ProblemHttpResult>> GetTeamOperation(
        string operationId, string teamId, IGrainFactory grains)
    {
        var header = OperationRules.IsValidId(operationId) ? await grains.GetGrain<IOperationGrain>(operationId).GetHeader() : null;
        return header is null
            ? OperationLookup.NoOperation(operationId)
            : TypedResults.Ok(new OperationHeaderView(header.Id, header.Name, header.WindowStart, header.WindowEnd, header.Exercise, header.ClockSpeed));
    }

    /// <summary>A page of the team's reports and corrections, oldest first, notes included for those who may read them.</summary>
    private static async Task<Results<Ok<TeamReportsPage>, ProblemHttpResult>> GetTeamReports(
        string operationId, string teamId, ITimelineReader timeline, IGrainFactory grains, HttpContext http,
        long after = 0, int limit = 50, CancellationToken ct = default)
    {
        if (limit is < 1 or > MaxPage) return Problems.From(DomainError.Invalid("limit", RuleCodes.Range, $"must be from 1 to {MaxPage}", ("min", 1), ("max", MaxPage)));
        if (after < 0) return Problems.From(DomainError.Invalid("after", RuleCodes.Range, "must be 0 or a sequence number", ("min", 0)));
        var team = OperationRules.IsValidId(operationId) && OperationRules.IsValidId(teamId)
            ? await grains.GetGrain<ITeamGrain>(GrainKeys.Team(operationId, teamId)).GetState(0)
            : null;
        var view = await grains.ViewOf(operationId, http.User);
        if (team is null || view.Hides(teamId)) return OperationLookup.NoTeam(operationId, teamId);

        var events = await timeline.ReadTeamAsync(operationId, teamId, after, limit, ct);
        var notes = Scope.CanReadNotes(http.User, teamId);
        var reports = events.Where(e => e.IsTeamReport()).Select(e => view.Event(e)!.ToAck()).Select(a => notes ? a : a with { Note = null }).ToArray();
        return TypedResults.Ok(new TeamReportsPage(reports, events.Count == limit ? events[^1].Seq : null));
    }

    /// <summary>The largest page a list endpoint returns.</summary>
    public const int MaxPage = 200;

    /// <summary>The region's view; with <paramref name="minSeq"/>, at least as of that event (as for a team).</summary>
    private static async Task<Results<Ok<RegionView>, ProblemHttpResult>> GetRegion(
        string operationId, string regionId, IGrainFactory grains, HttpContext http, long minSeq = 0)
    {
        if (minSeq < 0) return Problems.From(DomainError.Invalid("minSeq", RuleCodes.Range, "must be 0 or a sequence number", ("min", 0)));
        var state = OperationRules.IsValidId(operationId) && OperationRules.IsValidId(regionId)
            ? await grains.GetGrain<IHotspotRegionGrain>(GrainKeys.Region(operationId, regionId)).GetState(minSeq)
            : null;
        return state is null
            ? Problems.From(DomainError.NotFound(RuleCodes.RegionNotFound, $"No region {OperationLookup.Shown(regionId)} in operation {OperationLookup.Shown(operationId)}.", ("id", regionId)))
            : TypedResults.Ok(state.ToView() is var region && await grains.ViewOf(operationId, http.User) is { SeesAll: false } view
                ? region with { TeamIds = [.. region.TeamIds.Where(id => !view.Hides(id))] }
                : region);
    }

    private static readonly string[] TickerKinds =
    [
        EventKinds.FieldReported, EventKinds.ReportCorrected, EventKinds.CheckInOverdue,
        EventKinds.OrderIssued, EventKinds.OrderAnswered, EventKinds.OrderCancelled, EventKinds.OrderOverdue,
        EventKinds.DistressRaised, EventKinds.DistressTaken, EventKinds.DistressCancelled, EventKinds.DistressEscalated,
        EventKinds.MessageSent,
    ];

    /// <summary>
    /// The latest reports, corrections, overdue check-ins, orders and their answers, distress calls and messages to command, newest first: what a wall's ticker starts from; with
    /// <paramref name="seq"/>, the latest as of that event (the debrief's ticker after a seek).
    /// </summary>
    private static async Task<Results<Ok<TickerEntry[]>, ProblemHttpResult>> GetTicker(
        string operationId, IGrainFactory grains, ITimelineReader timeline, HttpContext http, int limit = 30, long? seq = null,
        CancellationToken ct = default)
    {
        if (limit is < 1 or > MaxPage) return Problems.From(DomainError.Invalid("limit", RuleCodes.Range, $"must be from 1 to {MaxPage}", ("min", 1), ("max", MaxPage)));
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);
        if (seq is < 0 || seq > state.LastSeq)
            return Problems.From(DomainError.Invalid("seq", RuleCodes.Range, $"must be from 0 to {state.LastSeq} (the operation's last event)", ("min", 0), ("max", state.LastSeq)));

        var view = Scope.ViewOf(http.User, state);
        var events = (await timeline.ReadLatestAsync(operationId, TickerKinds, limit, seq ?? long.MaxValue, ct))
            .Select(e => view.Event(e, state)).OfType<TimelineEvent>().ToList();
        string? RegionName(TimelineEvent e) => e.TeamId is { } id && state.Teams.TryGetValue(id, out var team)
            ? state.Regions.GetValueOrDefault(team.Definition.RegionId)?.Definition.Name
            : null;
        return TypedResults.Ok(events.Select(e => (e.Payload switch
        {
            CheckInOverdue o => new TickerEntry(e.Seq, e.Kind, e.ServerTime, e.TeamId, null, o.LastCheckIn, EventText.Describe(e, RegionName(e))),
            // An order or a distress event: its words only (the order's text is on the orders panel).
            not (FieldReported or ReportCorrected) => new TickerEntry(e.Seq, e.Kind, e.ServerTime, e.TeamId, null, null, EventText.Describe(e, RegionName(e))),
            _ => new TickerEntry(e.Seq, e.Kind, e.ServerTime, e.TeamId,
                Scope.CanReadNotes(http.User, e.TeamId!) ? e.ToAck() : e.ToAck() with { Note = null }, null, EventText.Describe(e, RegionName(e))),
        }) with { Phrase = EventText.Phrase(e, RegionName(e)).ToView() }).ToArray());
    }

    /// <summary>The most buckets an activity query returns per region.</summary>
    public const int MaxBuckets = 1000;

    /// <summary>
    /// Per-region rescues and arrests in buckets of <paramref name="bucketMinutes"/> over the last <paramref name="hours"/>
    /// up to now: what the wall's sparklines start from before live deltas extend them.
    /// </summary>
    private static async Task<Results<Ok<ActivityView>, ProblemHttpResult>> GetActivity(
        string operationId, IGrainFactory grains, ITimelineReader timeline,
        [FromKeyedServices(OperationGrainOptions.ClockKey)] TimeProvider clock,
        int hours = 24, int bucketMinutes = 60, CancellationToken ct = default)
    {
        if (hours is < 1 or > 24 * 31) return Problems.From(DomainError.Invalid("hours", RuleCodes.Range, "must be from 1 to 744 (31 days)", ("min", 1), ("max", 744)));
        if (bucketMinutes is < 1 or > 24 * 60) return Problems.From(DomainError.Invalid("bucketMinutes", RuleCodes.Range, "must be from 1 to 1440", ("min", 1), ("max", 1440)));
        if (hours * 60 % bucketMinutes != 0 || hours * 60 / bucketMinutes > MaxBuckets)
            return Problems.From(DomainError.Invalid("bucketMinutes", RuleCodes.TooMany,
                $"must divide hours × 60 into at most {MaxBuckets} buckets", ("max", MaxBuckets)));
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);

        var bucket = TimeSpan.FromMinutes(bucketMinutes);
        var buckets = hours * 60 / bucketMinutes;
        var now = OperationClock.At(state, clock.GetUtcNow());   // an exercise's compressed clock, if it has one
        // Buckets aligned on the bucket size (from the Unix epoch), the last one holding now.
        var end = new DateTimeOffset((now.UtcTicks / bucket.Ticks + 1) * bucket.Ticks, TimeSpan.Zero);
        var from = end - bucket * buckets;
        var cells = await timeline.ReadActivityAsync(operationId, from, bucket, buckets, ct);

        var rescued = state.Regions.Keys.ToDictionary(id => id, _ => new int[buckets]);
        var arrested = state.Regions.Keys.ToDictionary(id => id, _ => new int[buckets]);
        foreach (var cell in cells)
        {
            if (cell.Bucket < 0 || cell.Bucket >= buckets || !state.Teams.TryGetValue(cell.TeamId, out var team)) continue;
            if (!rescued.TryGetValue(team.Definition.RegionId, out var r)) continue;
            r[cell.Bucket] += cell.Counts.Rescued;
            arrested[team.Definition.RegionId][cell.Bucket] += cell.Counts.Arrested;
        }

        return TypedResults.Ok(new ActivityView(operationId, from, bucketMinutes, buckets, now,
            [.. state.Regions.Keys.Select(id => new RegionActivity(id, rescued[id], arrested[id]))]));
    }

}
