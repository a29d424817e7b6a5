using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Server.Views;
using Liberterra.Command.Storage;

namespace Liberterra.Command.Server.Api;

/// <summary>
/// The debrief's exports, of any size and streamed: the timeline as CSV and JSON, hotspots and positions as GeoJSON, and
/// the operation's map as KML and KMZ (<see cref="KmlExports"/>).
/// </summary>
public static class TimelineExports
{
    public static IEndpointRouteBuilder MapTimelineExports(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/operations/{operationId}/export").WithTags("Debrief").RequireAuthorization(Policies.ReadTimeline);
        api.MapGet("/timeline.csv", ExportCsv).WithName("ExportTimelineCsv");
        api.MapGet("/timeline.json", ExportJson).WithName("ExportTimelineJson");
        api.MapGet("/hotspots.geojson", ExportHotspots).WithName("ExportHotspots");
        api.MapGet("/positions.geojson", ExportPositions).WithName("ExportPositions");
        api.MapKmlExports();
        return app;
    }

    private static async Task<IResult> ExportJson(string operationId, IGrainFactory grains, ITimelineReader timeline, HttpContext http, CancellationToken ct)
    {
        var state = await grains.CurrentState(operationId);
        if (state is null) return OperationLookup.NoOperation(operationId);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{operationId}-timeline.json\"";
        // An IAsyncEnumerable is written as a JSON array while it is read: any size, constant memory.
        return TypedResults.Ok(Entries(timeline, operationId, state, http, ct));
    }

    private static async IAsyncEnumerable<TimelineEntry> Entries(
        ITimelineReader timeline, string operationId, OperationState state, HttpContext http, [EnumeratorCancellation] CancellationToken ct)
    {
        var view = Scope.ViewOf(http.User, state);
        await foreach (var e in timeline.ReadAsync(operationId, 0, ct))
            if (e.ToEntry(state, http.User, view) is { } entry) yield return entry;
    }

    public static readonly string[] CsvColumns =
    [
        "seq", "kind", "server_time", "client_time", "actor", "team_id", "region_id", "idempotency_key", "status", "children",
        "women", "men", "arrested", "exploitation_types", "latitude", "longitude", "note", "corrects", "reason", "last_check_in",
        "summary", "order_seq", "order_kind", "order_text", "order_target", "due_by", "answer", "distress_seq",
    ];

    private static async Task ExportCsv(string operationId, IGrainFactory grains, ITimelineReader timeline, HttpContext http, CancellationToken ct)
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
        var view = Scope.ViewOf(http.User, state);
        await foreach (var e in timeline.ReadAsync(operationId, 0, ct))
        {
            if (e.ToEntry(state, http.User, view) is not { } x) continue;
            var r = x.Report;
            var o = x.Order;
            // A position: the report's, an order's place, or a distress press's.
            var at = r?.Position ?? o?.Place ?? x.Distress?.Position ?? x.Position;
            string?[] cells =
            [
                Num(x.Seq), x.Kind, Time(x.ServerTime), Time(x.ClientTime), Text(x.Actor), x.TeamId, x.RegionId, Text(x.IdempotencyKey),
                r?.Status, Num(r?.Counts.Children), Num(r?.Counts.Women), Num(r?.Counts.Men), Num(r?.Counts.Arrested),
                r is null ? null : string.Join(';', r.ExploitationTypes), Num(at?.Latitude), Num(at?.Longitude),
                Text(r?.Note ?? x.Message?.Text), Num(r?.Corrects), Text(r?.Reason ?? o?.Reason ?? x.Distress?.Reason), Time(x.LastCheckIn), Text(x.Summary),
                Num(o?.OrderSeq), o?.Kind, Text(o?.Text), o?.Scope is null ? null : o.Scope == "All" ? "all" : $"{o.Scope.ToLowerInvariant()}:{o.TargetId}",
                Time(o?.DueBy), o?.Answer ?? (o?.TeamIds is { } late ? "overdue:" + string.Join(';', late) : null), Num(x.Distress?.DistressSeq),
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
            await Problems.Invalid("seq", RuleCodes.Range, $"must be a sequence number of this operation, 1 to {current.LastSeq}", ("min", 1), ("max", current.LastSeq)).ExecuteAsync(http);
            return;
        }

        var past = seq is { } n ? await travel.AtSeqAsync(operationId, n, ct) ?? current : current;
        var view = Scope.ViewOf(http.User, past);
        var state = view.State(past);                      // teams counted: those this credential sees

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
    private static async Task ExportPositions(string operationId, IGrainFactory grains, ITimelineReader timeline, HttpContext http, CancellationToken ct)
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
        var view = Scope.ViewOf(http.User, state);
        await foreach (var read in timeline.ReadAsync(operationId, 0, ct))
        {
            // A position is withheld with a summary (and the whole event with counts only).
            if (view.Event(read, state) is not { } e) continue;
            var (p, status) = e.Payload switch
            {
                FieldReported { Report: { Position: { } at } report } => (at, report.Status),
                PositionReported { Position: var at } => (at, (TeamStatus?)null),
                _ => (null, null),
            };
            if (p is null) continue;
            StartFeature(json, p);
            json.WriteNumber("seq", e.Seq);
            json.WriteString("teamId", e.TeamId);
            json.WriteString("regionId", state.Teams.GetValueOrDefault(e.TeamId!)?.Definition.RegionId);
            json.WriteString("serverTime", e.ServerTime);
            json.WriteString("kind", e.Kind);
            if (status is { } reported) json.WriteString("status", reported.ToString());
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
}
