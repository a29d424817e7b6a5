using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Grains;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Liberterra.Command.Server.Api;

/// <summary>The debrief's reads: the timeline, the operation at any past moment, and exports of any size (streamed).</summary>
public static class TimelineApi
{
    public const int MaxTimelinePage = 1000;

    public static IEndpointRouteBuilder MapTimelineApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/operations/{operationId}").WithTags("Debrief").RequireAuthorization(Policies.ReadTimeline);
        api.MapGet("/timeline", GetTimeline).WithName("GetTimeline");
        api.MapGet("/state", GetState).WithName("GetPastState");
        api.MapGet("/timeline/histogram", GetHistogram).WithName("GetTimelineHistogram");
        api.MapGet("/export/timeline.csv", ExportCsv).WithName("ExportTimelineCsv");
        api.MapGet("/export/timeline.json", ExportJson).WithName("ExportTimelineJson");
        api.MapGet("/export/hotspots.geojson", ExportHotspots).WithName("ExportHotspots");
        api.MapGet("/export/positions.geojson", ExportPositions).WithName("ExportPositions");
        api.MapGet("/significant", ListSignificant).WithName("ListSignificantEvents");
        api.MapGet("/report", GetReport).WithName("GetAfterActionReport");
        var marks = app.MapGroup("/api/operations/{operationId}/significant").WithTags("Debrief").RequireAuthorization(Policies.ManageOperations);
        marks.MapPost("/", MarkSignificant).WithName("MarkSignificantEvent");
        marks.MapDelete("/{seq:long}", WithdrawSignificant).WithName("WithdrawSignificantEvent");
        return app;
    }

    private static readonly string[] Kinds = [EventKinds.OperationDefined, EventKinds.FieldReported, EventKinds.ReportCorrected, EventKinds.CheckInOverdue];

    /// <summary>Events by sequence number, filtered by time range, team, region and kind; paged with <c>after</c>.</summary>
    private static async Task<Results<Ok<TimelinePage>, ProblemHttpResult>> GetTimeline(
        string operationId, IGrainFactory grains, ITimelineStore timeline, HttpContext http,
        long after = 0, int limit = 100, DateTimeOffset? from = null, DateTimeOffset? to = null,
        string? team = null, string? region = null, string? kind = null, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, List<string>>();
        if (limit is < 1 or > MaxTimelinePage) errors["limit"] = [$"must be from 1 to {MaxTimelinePage}"];
        if (after < 0) errors["after"] = ["must be 0 or a sequence number"];
        if (from is { } f && to is { } t && t <= f) errors["to"] = ["must be after from"];
        var kinds = kind?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (kinds?.FirstOrDefault(k => !Kinds.Contains(k)) is { } unknown) errors["kind"] = [$"'{unknown}' is not one of {string.Join(", ", Kinds)}"];
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);
        var teams = team?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (teams?.FirstOrDefault(id => !state.Teams.ContainsKey(id)) is { } noTeam) errors["team"] = [$"no team '{noTeam}' in this operation"];
        if (region is not null)
        {
            if (!state.Regions.ContainsKey(region)) errors["region"] = [$"no region '{region}' in this operation"];
            var inRegion = state.Teams.Values.Where(x => x.Definition.RegionId == region).Select(x => x.Definition.Id).ToList();
            teams = teams is null ? inRegion : [.. teams.Intersect(inRegion)];
        }

        if (errors.Count > 0) return Problems.From(DomainError.Invalid(errors));
        var events = await timeline.QueryAsync(operationId, new TimelineQuery(after, limit, from, to, teams, kinds), ct);
        return TypedResults.Ok(new TimelinePage(
            [.. events.Select(e => e.ToEntry(state, http.User))], events.Count == limit ? events[^1].Seq : null));
    }

    /// <summary>Where events cluster in time: counts per equal span from the first event to the last.</summary>
    private static async Task<Results<Ok<TimelineHistogram>, ProblemHttpResult>> GetHistogram(
        string operationId, ITimelineStore timeline, int buckets = 200, CancellationToken ct = default)
    {
        if (buckets is < 1 or > 2000) return Problems.From(DomainError.Invalid("buckets", "must be from 1 to 2000"));
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
        string operationId, ITimelineStore timeline, TimeTravel travel, long? seq = null, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        if (seq is null == at is null) return Problems.From(DomainError.Invalid("seq", "give exactly one of seq (a sequence number) or at (a UTC time)"));
        if (!OperationRules.IsValidId(operationId)) return OperationLookup.NoOperation(operationId);
        var head = await timeline.SeqAtAsync(operationId, DateTimeOffset.MaxValue, ct);
        if (head == 0) return OperationLookup.NoOperation(operationId);
        if (seq is < 1) return Problems.From(DomainError.Invalid("seq", "must be 1 or more"));
        if (seq > head) return Problems.From(DomainError.Invalid("seq", $"is after the last event ({head})"));
        var state = seq is { } n ? await travel.AtSeqAsync(operationId, n, ct) : await travel.AtTimeAsync(operationId, at!.Value, ct);
        return state is null
            ? Problems.Invalid("at", $"is before the operation was defined ({(await timeline.ReadEventAsync(operationId, 1, ct))?.ServerTime:O})")
            : TypedResults.Ok(state.ToView());
    }

    private static async Task<IResult> ExportJson(string operationId, IGrainFactory grains, ITimelineStore timeline, HttpContext http, CancellationToken ct)
    {
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{operationId}-timeline.json\"";
        // An IAsyncEnumerable is written as a JSON array while it is read: any size, constant memory.
        return TypedResults.Ok(Entries(timeline, operationId, state, http, ct));
    }

    private static async IAsyncEnumerable<TimelineEntry> Entries(
        ITimelineStore timeline, string operationId, OperationState state, HttpContext http, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var e in timeline.ReadAsync(operationId, 0, ct)) yield return e.ToEntry(state, http.User);
    }

    public static readonly string[] CsvColumns =
    [
        "seq", "kind", "server_time", "client_time", "actor", "team_id", "region_id", "idempotency_key", "status", "children",
        "women", "men", "arrested", "exploitation_types", "latitude", "longitude", "note", "corrects", "reason", "last_check_in",
    ];

    private static async Task ExportCsv(string operationId, IGrainFactory grains, ITimelineStore timeline, HttpContext http, CancellationToken ct)
    {
        var state = await grains.CurrentState(operationId);
        if (state is null)
        {
            await OperationLookup.NoOperation(operationId).ExecuteAsync(http);
            return;
        }

        Download(http, operationId, "text/csv; charset=utf-8", "timeline.csv");
        var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), 64 * 1024);
        await writer.WriteLineAsync(string.Join(',', CsvColumns));
        var rows = 0;
        await foreach (var e in timeline.ReadAsync(operationId, 0, ct))
        {
            var x = e.ToEntry(state, http.User);
            var r = x.Report;
            string?[] cells =
            [
                Num(x.Seq), x.Kind, Time(x.ServerTime), Time(x.ClientTime), Text(x.Actor), x.TeamId, x.RegionId, Text(x.IdempotencyKey),
                r?.Status, Num(r?.Counts.Children), Num(r?.Counts.Women), Num(r?.Counts.Men), Num(r?.Counts.Arrested),
                r is null ? null : string.Join(';', r.ExploitationTypes), Num(r?.Position?.Latitude), Num(r?.Position?.Longitude),
                Text(r?.Note), Num(r?.Corrects), Text(r?.Reason), Time(x.LastCheckIn),
            ];
            await writer.WriteLineAsync(string.Join(',', cells.Select(Csv)));
            if (++rows % 1000 == 0) await writer.FlushAsync(ct);
        }

        await writer.FlushAsync(ct);
    }

    private static string? Num(long? n) => n?.ToString(CultureInfo.InvariantCulture);

    private static string? Num(double? n) => n?.ToString("R", CultureInfo.InvariantCulture);

    private static string? Time(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);

    /// <summary>
    /// Free text that a spreadsheet would take for a formula (=, +, -, @ first) gets a leading apostrophe, as OWASP
    /// advises for CSV files opened in spreadsheets.
    /// </summary>
    private static string? Text(string? s) => s is { Length: > 0 } && "=+-@\t\r".Contains(s[0]) ? "'" + s : s;

    private static string Csv(string? cell) =>
        cell is null ? "" : cell.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{cell.Replace("\"", "\"\"")}\"" : cell;

    /// <summary>The hotspot regions as points with their totals (now, or after <c>seq</c>).</summary>
    private static async Task ExportHotspots(string operationId, IGrainFactory grains, TimeTravel travel, HttpContext http, long? seq = null, CancellationToken ct = default)
    {
        var current = await grains.CurrentState(operationId);
        if (current is null)
        {
            await OperationLookup.NoOperation(operationId).ExecuteAsync(http);
            return;
        }

        // Out of range is a refusal that names the parameter, never "no such operation" for one that exists.
        if (seq is < 1 || seq > current.LastSeq)
        {
            await Problems.Invalid("seq", $"must be a sequence number of this operation, 1 to {current.LastSeq}").ExecuteAsync(http);
            return;
        }

        var state = seq is { } n ? await travel.AtSeqAsync(operationId, n, ct) ?? current : current;

        Download(http, operationId, "application/geo+json", "hotspots.geojson");
        await using var json = new Utf8JsonWriter(http.Response.Body);
        StartCollection(json);
        foreach (var r in state.Regions.Values)
        {
            StartFeature(json, r.Definition.Centroid);
            json.WriteString("id", r.Definition.Id);
            json.WriteString("name", r.Definition.Name);
            json.WriteString("countryCode", r.Definition.CountryCode);
            json.WriteNumber("rescued", r.Totals.Rescued);
            json.WriteNumber("children", r.Totals.Children);
            json.WriteNumber("women", r.Totals.Women);
            json.WriteNumber("men", r.Totals.Men);
            json.WriteNumber("arrested", r.Totals.Arrested);
            json.WriteNumber("teams", state.Teams.Values.Count(t => t.Definition.RegionId == r.Definition.Id));
            json.WriteNumber("asOfSeq", state.LastSeq);
            EndFeature(json);
        }

        EndCollection(json);
        await json.FlushAsync(ct);
    }

    /// <summary>Every reported team position, in order, as points (streamed).</summary>
    private static async Task ExportPositions(string operationId, IGrainFactory grains, ITimelineStore timeline, HttpContext http, CancellationToken ct)
    {
        var state = await grains.CurrentState(operationId);
        if (state is null)
        {
            await OperationLookup.NoOperation(operationId).ExecuteAsync(http);
            return;
        }

        Download(http, operationId, "application/geo+json", "positions.geojson");
        await using var json = new Utf8JsonWriter(http.Response.Body);
        StartCollection(json);
        var features = 0;
        await foreach (var e in timeline.ReadAsync(operationId, 0, ct))
        {
            if (e.Payload is not FieldReported { Report: { Position: { } p } report }) continue;
            StartFeature(json, p);
            json.WriteNumber("seq", e.Seq);
            json.WriteString("teamId", e.TeamId);
            json.WriteString("regionId", state.Teams.GetValueOrDefault(e.TeamId!)?.Definition.RegionId);
            json.WriteString("serverTime", e.ServerTime);
            if (report.Status is { } status) json.WriteString("status", status.ToString());
            EndFeature(json);
            if (++features % 500 == 0) await json.FlushAsync(ct);
        }

        EndCollection(json);
        await json.FlushAsync(ct);
    }

    /// <summary>A streamed download's type and file name.</summary>
    private static void Download(HttpContext http, string operationId, string contentType, string fileName)
    {
        http.Response.ContentType = contentType;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{operationId}-{fileName}\"";
    }

    private static void StartCollection(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteStartArray("features");
    }

    private static void EndCollection(Utf8JsonWriter json)
    {
        json.WriteEndArray();
        json.WriteEndObject();
    }

    // GeoJSON positions are [longitude, latitude].
    private static void StartFeature(Utf8JsonWriter json, GeoPoint at)
    {
        json.WriteStartObject();
        json.WriteString("type", "Feature");
        json.WriteStartObject("geometry");
        json.WriteString("type", "Point");
        json.WriteStartArray("coordinates");
        json.WriteNumberValue(at.Longitude);
        json.WriteNumberValue(at.Latitude);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteStartObject("properties");
    }

    private static void EndFeature(Utf8JsonWriter json)
    {
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>The most days the report's by-day table holds (the last ones, when the events span more).</summary>
    public const int MaxReportDays = 62;

    /// <summary>The after-action report's figures, from one pass over the timeline (streamed, constant memory per team).</summary>
    private static async Task<Results<Ok<AfterActionReport>, ProblemHttpResult>> GetReport(
        string operationId, IGrainFactory grains, ITimelineStore timeline, HttpContext http, CancellationToken ct)
    {
        var final = await grains.CurrentState(operationId);
        if (final is null) return OperationLookup.NoOperation(operationId);

        var days = new SortedDictionary<DateOnly, (Tally Counts, int Reports)>();
        var teamReports = new Dictionary<string, int>();
        var intervals = final.Teams.Keys.ToDictionary(id => id, _ => new List<StatusInterval>());
        var current = new Dictionary<string, (TeamStatus Status, DateTimeOffset Since)>();
        var overdue = new List<OverdueReport>();
        int reports = 0, corrections = 0;
        DateTimeOffset? first = null, last = null;
        await foreach (var e in timeline.ReadAsync(operationId, 0, ct))
        {
            first ??= e.ServerTime;
            last = e.ServerTime;
            switch (e.Payload)
            {
                case OperationDefined { Definition: var d }:
                    foreach (var t in d.Teams) current.TryAdd(t.Id, (TeamLifecycle.Initial, e.ServerTime));
                    break;
                case FieldReported { Report: var r }:
                    reports++;
                    Count(days, e.ServerTime, r.Counts, 1);
                    teamReports[e.TeamId!] = teamReports.GetValueOrDefault(e.TeamId!) + 1;
                    if (r.Status is { } status && current.TryGetValue(e.TeamId!, out var was) && was.Status != status)
                    {
                        if (intervals.TryGetValue(e.TeamId!, out var list)) list.Add(new StatusInterval(was.Status.ToString(), was.Since, e.ServerTime));
                        current[e.TeamId!] = (status, e.ServerTime);
                    }

                    break;
                case ReportCorrected { Correction: var c }:
                    corrections++;
                    Count(days, e.ServerTime, c.Delta, 0);
                    break;
                case CheckInOverdue o:
                    overdue.Add(new OverdueReport(e.Seq, e.TeamId!, e.ServerTime, o.LastCheckIn));
                    break;
            }
        }

        var end = last ?? final.WindowEnd;
        foreach (var (id, list) in intervals)
            if (current.TryGetValue(id, out var now)) list.Add(new StatusInterval(now.Status.ToString(), now.Since, end));

        var significant = new List<SignificantEntry>();
        foreach (var mark in await timeline.ListMarksAsync(operationId, ct))
            if (await timeline.ReadEventAsync(operationId, mark.Seq, ct) is { } e)
                significant.Add(new SignificantEntry(mark.Seq, mark.Title, mark.MarkedBy, mark.MarkedAt, e.ToEntry(final, http.User)));

        return TypedResults.Ok(new AfterActionReport(
            final.Id, final.Name, final.WindowStart, final.WindowEnd, final.Exercise, first ?? final.WindowStart, end, final.LastSeq,
            final.Totals.ToView(), reports, corrections,
            [.. days.TakeLast(MaxReportDays).Select(d => new DayTotals(d.Key, d.Value.Counts.ToView(), d.Value.Reports))],
            [.. final.Regions.Values.Select(r => new RegionReport(r.Definition.Id, r.Definition.Name, r.Definition.CountryCode, r.Totals.ToView(),
                final.Teams.Values.Count(t => t.Definition.RegionId == r.Definition.Id),
                final.Teams.Values.Where(t => t.Definition.RegionId == r.Definition.Id).Sum(t => teamReports.GetValueOrDefault(t.Definition.Id))))],
            [.. final.Teams.Values.Select(t => new TeamReport(t.Definition.Id, t.Definition.CallSign, t.Definition.RegionId, t.Definition.Kind.ToString(),
                t.Totals.ToView(), teamReports.GetValueOrDefault(t.Definition.Id), intervals[t.Definition.Id]))],
            overdue, significant));
    }

    private static void Count(SortedDictionary<DateOnly, (Tally Counts, int Reports)> days, DateTimeOffset at, Tally counts, int reports)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        var (sum, n) = days.GetValueOrDefault(day, (Tally.Zero, 0));
        days[day] = (sum.Add(counts), n + reports);
    }

    /// <summary>The significant-events lane: the marked events in sequence order, each with its mark.</summary>
    private static async Task<Results<Ok<SignificantEntry[]>, ProblemHttpResult>> ListSignificant(
        string operationId, IGrainFactory grains, ITimelineStore timeline, HttpContext http, CancellationToken ct)
    {
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);
        var entries = new List<SignificantEntry>();
        foreach (var mark in await timeline.ListMarksAsync(operationId, ct))
        {
            var e = await timeline.ReadEventAsync(operationId, mark.Seq, ct);
            if (e is not null) entries.Add(new SignificantEntry(mark.Seq, mark.Title, mark.MarkedBy, mark.MarkedAt, e.ToEntry(state, http.User)));
        }

        return TypedResults.Ok(entries.ToArray());
    }

    /// <summary>Command marks an event as significant (a verified entry: who marked it is kept, and audited).</summary>
    private static async Task<Results<Created<SignificantEntry>, ProblemHttpResult>> MarkSignificant(
        string operationId, MarkRequest request, IGrainFactory grains, ITimelineStore timeline, HttpContext http, CancellationToken ct)
    {
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);
        var errors = new Dictionary<string, List<string>>();
        var title = request.Title?.Trim();
        if (OperationRules.ValidateMarkTitle(title) is { } badTitle) errors["title"] = [.. badTitle.Fields["title"]];
        if (request.Seq is not { } seq || seq < 1 || seq > state.LastSeq) errors["seq"] = [$"must be an event of this operation (1 to {state.LastSeq})"];
        if (errors.Count > 0) return Problems.From(DomainError.Invalid(errors));
        var mark = await timeline.MarkAsync(operationId, request.Seq!.Value, title!, Actors.Of(http), false, ct);
        var e = (await timeline.ReadEventAsync(operationId, mark.Seq, ct))!;
        return TypedResults.Created($"/api/operations/{operationId}/significant",
            new SignificantEntry(mark.Seq, mark.Title, mark.MarkedBy, mark.MarkedAt, e.ToEntry(state, http.User)));
    }

    /// <summary>Withdraws a mark: the lane no longer shows it; the history of marks keeps both.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> WithdrawSignificant(
        string operationId, long seq, ITimelineStore timeline, HttpContext http, CancellationToken ct)
    {
        if (!OperationRules.IsValidId(operationId)) return OperationLookup.NoOperation(operationId);
        var mark = (await timeline.ListMarksAsync(operationId, ct)).FirstOrDefault(m => m.Seq == seq);
        if (mark is null) return Problems.From(DomainError.NotFound($"Event {seq} of operation {OperationLookup.Shown(operationId)} is not marked significant."));
        await timeline.MarkAsync(operationId, seq, mark.Title, Actors.Of(http), true, ct);
        return TypedResults.NoContent();
    }

    /// <summary>An event as the debrief reads it (notes only for those who may read them).</summary>
    public static TimelineEntry ToEntry(this TimelineEvent e, OperationState state, System.Security.Claims.ClaimsPrincipal user)
    {
        var region = e.TeamId is { } id ? state.Teams.GetValueOrDefault(id)?.Definition.RegionId : null;
        return e.Payload switch
        {
            FieldReported or ReportCorrected => new TimelineEntry(e.Seq, e.Kind, e.ServerTime, e.ClientTime, e.Actor, e.TeamId, region, e.IdempotencyKey,
                Scope.CanReadNotes(user, e.TeamId!) ? e.ToAck() : e.ToAck() with { Note = null }, null, null, null),
            CheckInOverdue o => new TimelineEntry(e.Seq, e.Kind, e.ServerTime, e.ClientTime, e.Actor, e.TeamId, region, e.IdempotencyKey,
                null, o.LastCheckIn, o.IntervalMinutes, null),
            OperationDefined { Definition: var d } => new TimelineEntry(e.Seq, e.Kind, e.ServerTime, e.ClientTime, e.Actor, null, null, e.IdempotencyKey,
                null, null, null, new DefinitionSummary(d.Name, d.WindowStart, d.WindowEnd, d.Exercise, d.Regions.Length, d.Teams.Length)),
            _ => throw new InvalidOperationException($"Event {e.Seq} has an unknown kind {e.Kind}."),
        };
    }
}
