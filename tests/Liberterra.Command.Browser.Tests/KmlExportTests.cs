using System.IO.Compression;
using System.Text.Json;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Browser.Tests;

/// <summary>
/// The KML and KMZ exports read by a KML parser nobody here wrote: Mapbox's togeojson (the one geojson.io uses) in
/// Chromium turns the file back into GeoJSON, and every hotspot, every reported position with its time and every
/// team's track come back with the coordinates and times that were reported.
/// </summary>
[Collection(BrowserCollection.Name)]
public class KmlExportTests(BrowserFixture browser)
{
    [Fact]
    public async Task the_kml_and_kmz_exports_round_trip_the_hotspots_positions_and_tracks_through_a_kml_parser()
    {
        await using var server = await InProcessServer.StartAsync(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("kml-export"));
        var op = await Field.DefineOperation(server.Http);
        (string Team, double Lat, double Lon)[] reported =
            [("AR-RAID-01", -26.8241, -65.2226), ("AR-RAID-01", -26.8305, -65.2038), ("MK-RAID-01", 41.9981, 21.4254), ("AR-RAID-01", -26.8412, -65.1873)];
        var acks = new List<Contracts.ReportAck>();
        foreach (var (team, lat, lon) in reported)
            acks.Add(await Field.Report(server.Http, op, team, new { children = 1, position = new { latitude = lat, longitude = lon } }));
        var truth = await Field.Operation(server.Http, op);

        var kml = await server.Http.GetStringAsync($"/api/operations/{op}/export/operation.kml");
        var kmz = await server.Http.GetByteArrayAsync($"/api/operations/{op}/export/operation.kmz");
        using (var zip = new ZipArchive(new MemoryStream(kmz)))
        {
            Assert.Equal(["doc.kml"], zip.Entries.Select(e => e.FullName));
            using var doc = new StreamReader(zip.Entries[0].Open());
            Assert.Equal(kml, await doc.ReadToEndAsync());
        }

        var page = await browser.Browser.NewPageAsync();
        await page.AddScriptTagAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "lib", "togeojson.js") });
        var geo = await page.EvaluateAsync<JsonElement>("kml => toGeoJSON.kml(new DOMParser().parseFromString(kml, 'text/xml'))", kml);
        var features = geo.GetProperty("features").EnumerateArray().ToList();
        double[] Coordinates(JsonElement f) => [.. f.GetProperty("geometry").GetProperty("coordinates").EnumerateArray().Select(c => c.GetDouble())];

        // Hotspots: a point at each region's centroid, with its totals.
        foreach (var region in truth.Regions)
        {
            var f = features.Single(x => x.GetProperty("properties").GetProperty("name").GetString()!.StartsWith(truth.Regions.Single(r => r.Id == region.Id).Name + ":", StringComparison.Ordinal));
            Assert.Equal([region.Centroid.Longitude, region.Centroid.Latitude, 0], Coordinates(f));
            Assert.Equal(region.Totals.Rescued.ToString(System.Globalization.CultureInfo.InvariantCulture), f.GetProperty("properties").GetProperty("rescued").GetString());
        }

        // Positions: every report's point, at its server time.
        var points = features.Where(f => f.GetProperty("properties").TryGetProperty("seq", out _)).ToList();
        Assert.Equal(reported.Length, points.Count);
        foreach (var (ack, (team, lat, lon)) in acks.Zip(reported))
        {
            var f = points.Single(p => p.GetProperty("properties").GetProperty("seq").GetString() == ack.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal([lon, lat, 0], Coordinates(f));
            Assert.Equal(team, f.GetProperty("properties").GetProperty("teamId").GetString());
            Assert.Equal(ack.ServerTime, DateTimeOffset.Parse(f.GetProperty("properties").GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        }

        // Tracks: each team's positions in order, with their times (gx:Track becomes a line with coordTimes).
        var track = features.Single(f => f.GetProperty("properties").TryGetProperty("positions", out var n) && f.GetProperty("properties").GetProperty("teamId").GetString() == "AR-RAID-01");
        Assert.Equal("LineString", track.GetProperty("geometry").GetProperty("type").GetString());
        var line = track.GetProperty("geometry").GetProperty("coordinates").EnumerateArray().Select(c => (c[0].GetDouble(), c[1].GetDouble())).ToList();
        Assert.Equal(reported.Where(r => r.Team == "AR-RAID-01").Select(r => (r.Lon, r.Lat)), line);
        Assert.Equal(acks.Where(a => a.TeamId == "AR-RAID-01").Select(a => a.ServerTime),
            track.GetProperty("properties").GetProperty("coordTimes").EnumerateArray().Select(t => DateTimeOffset.Parse(t.GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
    }
}
