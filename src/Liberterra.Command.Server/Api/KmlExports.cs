using System.Globalization;
using System.IO.Compression;
using System.Xml;
using Liberterra.Command.Domain;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Storage;

namespace Liberterra.Command.Server.Api;

/// <summary>
/// The operation's map for Google Earth and other KML readers (OGC KML 2.2), streamed: the hotspots with their totals,
/// every reported team position as a time-stamped point (Google Earth's time slider plays them), and each team's track
/// (<c>gx:Track</c>). <c>.kml</c> as text, <c>.kmz</c> zipped (one <c>doc.kml</c>). Need-to-know applies as in every
/// export: positions of the teams the caller sees in full only (<see cref="Viewpoint"/>).
/// </summary>
public static class KmlExports
{
    public const string Kml = "http://www.opengis.net/kml/2.2";
    public const string Gx = "http://www.google.com/kml/ext/2.2";

    public static RouteGroupBuilder MapKmlExports(this RouteGroupBuilder exports)
    {
        exports.MapGet("/operation.kml", (string operationId, IGrainFactory grains, ITimelineReader timeline, HttpContext http, CancellationToken ct) =>
            Export(operationId, grains, timeline, http, zipped: false, ct)).WithName("ExportKml");
        exports.MapGet("/operation.kmz", (string operationId, IGrainFactory grains, ITimelineReader timeline, HttpContext http, CancellationToken ct) =>
            Export(operationId, grains, timeline, http, zipped: true, ct)).WithName("ExportKmz");
        return exports;
    }

    private static async Task Export(string operationId, IGrainFactory grains, ITimelineReader timeline, HttpContext http, bool zipped, CancellationToken ct)
    {
        var state = await grains.CurrentState(operationId);
        if (state is null)
        {
            await OperationLookup.NoOperation(operationId).ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = zipped ? "application/vnd.google-earth.kmz" : "application/vnd.google-earth.kml+xml";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{operationId}.{(zipped ? "kmz" : "kml")}\"";
        var view = Scope.ViewOf(http.User, state);
        if (!zipped)
        {
            await WriteAsync(http.Response.Body, state, view, timeline, ct);
            return;
        }

        // A zip written forward only: the response is not seekable, so each entry carries a data descriptor.
        await using var zip = new ZipArchive(http.Response.BodyWriter.AsStream(), ZipArchiveMode.Create, leaveOpen: true);
        await using var doc = await zip.CreateEntry("doc.kml", CompressionLevel.Fastest).OpenAsync(ct);
        await WriteAsync(doc, state, view, timeline, ct);
    }

    private static async Task WriteAsync(Stream output, OperationState state, Viewpoint view, ITimelineReader timeline, CancellationToken ct)
    {
        var shown = view.State(state);
        await using var x = XmlWriter.Create(output, new XmlWriterSettings { Async = true, Indent = true, Encoding = new System.Text.UTF8Encoding(false) });
        await x.WriteStartDocumentAsync();
        await x.WriteStartElementAsync(null, "kml", Kml);
        await x.WriteAttributeStringAsync("xmlns", "gx", null, Gx);
        await x.WriteStartElementAsync(null, "Document", Kml);
        await x.WriteElementStringAsync(null, "name", Kml, state.Name);
        await x.WriteElementStringAsync(null, "description", Kml,
            $"{state.Name}: {state.Totals.Rescued} victims rescued ({state.Totals.Children} children, {state.Totals.Women} women, {state.Totals.Men} men), " +
            $"{state.Totals.Arrested} suspects arrested, as of event {state.LastSeq}.");

        await StartFolder(x, "Hotspots");
        foreach (var r in state.Regions.Values)
        {
            await StartPlacemark(x, $"hotspot-{r.Id}", $"{r.Definition.Name}: {r.Totals.Rescued} rescued");
            await Data(x, ("rescued", r.Totals.Rescued), ("children", r.Totals.Children), ("women", r.Totals.Women), ("men", r.Totals.Men),
                ("arrested", r.Totals.Arrested), ("teams", shown.Teams.Values.Count(t => t.Definition.RegionId == r.Id)), ("asOfSeq", state.LastSeq));
            await Point(x, r.Definition.Centroid);
            await x.WriteEndElementAsync();
        }

        await x.WriteEndElementAsync();

        // One pass over the timeline: each position a point now, and kept per team for its track after.
        var tracks = new Dictionary<string, List<(DateTimeOffset At, GeoPoint Where)>>(StringComparer.Ordinal);
        await StartFolder(x, "Team positions");
        var written = 0;
        await foreach (var read in timeline.ReadAsync(state.Id, 0, ct))
        {
            if (view.Event(read, state) is not { TeamId: { } teamId } e || PositionOf(e) is not { } at) continue;
            var callSign = state.Teams.GetValueOrDefault(teamId)?.Definition.CallSign ?? teamId;
            await StartPlacemark(x, $"position-{e.Seq}", callSign);
            await x.WriteStartElementAsync(null, "TimeStamp", Kml);
            await x.WriteElementStringAsync(null, "when", Kml, When(e.ServerTime));
            await x.WriteEndElementAsync();
            await Data(x, ("seq", e.Seq), ("teamId", teamId), ("kind", e.Kind), ("status", (e.Payload as FieldReported)?.Report.Status?.ToString()));
            await Point(x, at);
            await x.WriteEndElementAsync();
            if (!tracks.TryGetValue(teamId, out var track)) tracks[teamId] = track = [];
            track.Add((e.ServerTime, at));
            if (++written % 500 == 0) await x.FlushAsync();
        }

        await x.WriteEndElementAsync();

        await StartFolder(x, "Team tracks");
        foreach (var (teamId, track) in tracks.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            await StartPlacemark(x, $"track-{teamId}", state.Teams.GetValueOrDefault(teamId)?.Definition.CallSign ?? teamId);
            await Data(x, ("teamId", teamId), ("positions", track.Count));
            await x.WriteStartElementAsync("gx", "Track", Gx);
            foreach (var (when, _) in track) await x.WriteElementStringAsync(null, "when", Kml, When(when));
            foreach (var (_, where) in track) await x.WriteElementStringAsync("gx", "coord", Gx, $"{Num(where.Longitude)} {Num(where.Latitude)} 0");
            await x.WriteEndElementAsync();
            await x.WriteEndElementAsync();
        }

        await x.WriteEndElementAsync();
        await x.WriteEndElementAsync();
        await x.WriteEndElementAsync();
        await x.WriteEndDocumentAsync();
        await x.FlushAsync();
    }

    /// <summary>Where an event puts its team: a report's position, a distress press's or a device's.</summary>
    private static GeoPoint? PositionOf(TimelineEvent e) => e.Payload switch
    {
        FieldReported { Report.Position: { } p } => p,
        DistressRaised { Position: { } p } => p,
        PositionReported { Position: var p } => p,
        _ => null,
    };

    private static async Task StartFolder(XmlWriter x, string name)
    {
        await x.WriteStartElementAsync(null, "Folder", Kml);
        await x.WriteElementStringAsync(null, "name", Kml, name);
    }

    private static async Task StartPlacemark(XmlWriter x, string id, string name)
    {
        await x.WriteStartElementAsync(null, "Placemark", Kml);
        await x.WriteAttributeStringAsync(null, "id", null, id);
        await x.WriteElementStringAsync(null, "name", Kml, name);
    }

    private static async Task Data(XmlWriter x, params (string Name, object? Value)[] values)
    {
        await x.WriteStartElementAsync(null, "ExtendedData", Kml);
        foreach (var (name, value) in values.Where(v => v.Value is not null))
        {
            await x.WriteStartElementAsync(null, "Data", Kml);
            await x.WriteAttributeStringAsync(null, "name", null, name);
            await x.WriteElementStringAsync(null, "value", Kml, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
            await x.WriteEndElementAsync();
        }

        await x.WriteEndElementAsync();
    }

    // KML coordinates are longitude,latitude[,altitude].
    private static async Task Point(XmlWriter x, GeoPoint at)
    {
        await x.WriteStartElementAsync(null, "Point", Kml);
        await x.WriteElementStringAsync(null, "coordinates", Kml, $"{Num(at.Longitude)},{Num(at.Latitude)},0");
        await x.WriteEndElementAsync();
    }

    private static string Num(double n) => n.ToString("R", CultureInfo.InvariantCulture);

    private static string When(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);
}
