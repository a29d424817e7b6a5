using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Xml.Linq;
using Liberterra.Command.Access;
using Liberterra.Command.Server.Tak;
using Liberterra.Command.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Liberterra.Command.Browser.Tests;

/// <summary>
/// A TAK device on the CoT endpoint, as ATAK connects: TLS with the certificate of its data package (Node's tls, CoT
/// built and read by TAK's own node-cot). It receives the teams with their status; its position moves its team on the
/// wall (Chromium), in the API, the timeline and the position export; its 911 alert is its team's distress call, on the
/// wall and in the API; once revoked, its certificate is refused at the handshake.
/// </summary>
[Collection(BrowserCollection.Name)]
public class TakEndpointTests(BrowserFixture browser)
{
    [Fact]
    public async Task an_enrolled_device_sees_the_teams_its_911_reaches_every_wall_and_a_revoked_one_is_refused()
    {
        var folder = Directory.CreateTempSubdirectory("tak-endpoint-").FullName;
        await using var server = await InProcessServer.StartAsync(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("tak-endpoint"), null,
            "--Tak:Enabled=true", "--Tak:Port=0", $"--Tak:CaFile={Path.Combine(folder, "ca.p12")}");
        var endpoint = server.Services.GetRequiredService<TakEndpoint>();
        await endpoint.Listening;
        var op = await Field.DefineOperation(server.Http);
        await Field.Report(server.Http, op, "AR-RAID-01", new { status = "Briefed", children = 2 });
        await Field.Report(server.Http, op, "AR-RAID-01", new { status = "EnRoute", women = 1 });

        using var enrolled = await server.Http.PostAsJsonAsync($"/api/operations/{op}/tak/devices", new { teamId = "AR-RAID-01", device = "ATAK phone 3" });
        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        var serial = enrolled.Headers.GetValues(Server.Api.TakApi.SerialHeader).Single();
        var (client, password, ca) = Unpack(await enrolled.Content.ReadAsByteArrayAsync(), folder);

        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1920, Height = 1080 } });
        var wall = await WallPage.OpenAsync(context, server.Address, op, TestAuth.Token(Roles.Wall));

        var session = await Device(endpoint.Endpoint!.Port, client, password, ca, seconds: 6, "pli", "911");
        Assert.True(session.GetProperty("connected").GetBoolean(), session.GetProperty("error").ToString());
        var received = session.GetProperty("received").EnumerateArray().ToList();
        var team = received.First(f => f.GetProperty("id").GetString() == CotOfOperation.TeamUid(op, "AR-RAID-01"));
        Assert.Equal("a-f-G-U-C", team.GetProperty("properties").GetProperty("type").GetString());
        Assert.StartsWith("EnRoute · 3 rescued", team.GetProperty("properties").GetProperty("remarks").GetString());
        Assert.Contains(received, f => f.GetProperty("id").GetString() == CotOfOperation.TeamUid(op, "MK-RAID-01"));

        // The 911 alert is AR-RAID-01's distress call, where the device was, on the wall.
        var calls = await server.Http.GetFromJsonAsync<JsonElement>($"/api/operations/{op}/distress?open=true");
        var call = calls.EnumerateArray().Single();
        Assert.Equal("AR-RAID-01", call.GetProperty("teamId").GetString());
        Assert.Equal(-26.8241, call.GetProperty("position").GetProperty("latitude").GetDouble());
        Assert.Equal("tak:ATAK phone 3", call.GetProperty("raisedBy").GetString());
        await Expect(wall.Page.Locator("#alarm")).ToBeVisibleAsync();
        // ...and the device was sent its team's change (the call is a sign of life) while connected.
        Assert.True(received.Count(f => f.GetProperty("id").GetString() == CotOfOperation.TeamUid(op, "AR-RAID-01")) >= 2, "the team's update after the alert");

        // Its position report moved AR-RAID-01 (a PositionReported event of the timeline) on the wall and in the API.
        var timeline = await server.Http.GetFromJsonAsync<JsonElement>($"/api/operations/{op}/timeline?kind=PositionReported");
        var moved = timeline.GetProperty("events").EnumerateArray().Single();
        Assert.Equal(("AR-RAID-01", -26.8241, -65.2226), (moved.GetProperty("teamId").GetString(),
            moved.GetProperty("position").GetProperty("latitude").GetDouble(), moved.GetProperty("position").GetProperty("longitude").GetDouble()));
        Assert.Equal("position from TAK ATAK phone 3 · Argentina", moved.GetProperty("summary").GetString());
        Assert.Equal(-26.8241, await wall.Page.EvaluateAsync<double>("() => window.liberterraWall.model.teams.get('AR-RAID-01').position.latitude"));
        var positions = await server.Http.GetStringAsync($"/api/operations/{op}/export/positions.geojson");
        Assert.Contains("\"kind\":\"PositionReported\"", positions);

        // Revoked: refused at the handshake.
        Assert.Equal(HttpStatusCode.OK, (await server.Http.PostAsync($"/api/operations/{op}/tak/devices/{serial}/revoke", null)).StatusCode);
        var refused = await Device(endpoint.Endpoint.Port, client, password, ca, seconds: 3);
        Assert.False(refused.GetProperty("connected").GetBoolean());
        Assert.Empty(refused.GetProperty("received").EnumerateArray());
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task hostile_devices_are_refused_and_audited_and_close_only_their_own_connection()
    {
        var folder = Directory.CreateTempSubdirectory("tak-hostile-").FullName;
        var database = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("tak-hostile");
        await using var server = await InProcessServer.StartAsync(database, null,
            "--Tak:Enabled=true", "--Tak:Port=0", $"--Tak:CaFile={Path.Combine(folder, "ca.p12")}");
        var endpoint = server.Services.GetRequiredService<TakEndpoint>();
        await endpoint.Listening;
        var op = await Field.DefineOperation(server.Http);
        using var enrolled = await server.Http.PostAsJsonAsync($"/api/operations/{op}/tak/devices", new { teamId = "AR-RAID-01", device = "ATAK phone 3" });
        var (client, password, ca) = Unpack(await enrolled.Content.ReadAsByteArrayAsync(), folder);

        // A well-behaved device stays connected throughout and keeps receiving the operation's changes.
        var steady = Device(endpoint.Endpoint!.Port, client, password, ca, seconds: 14, "pli");
        await Wait.Until(() => Task.FromResult(endpoint.Connected), n => n == 1, what: "the good device connected");

        // A certificate this deployment's CA did not sign.
        using (var key = System.Security.Cryptography.RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=Stranger", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var stranger = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllBytesAsync(Path.Combine(folder, "stranger.p12"), stranger.Export(X509ContentType.Pkcs12, "stranger"));
        }

        // The hostile ones at the same time, beside it.
        var hostile = await Task.WhenAll(
            Device(endpoint.Endpoint.Port, client, password, ca, seconds: 4, "pli", "entity"),
            Device(endpoint.Endpoint.Port, client, password, ca, seconds: 4, "pli", "endless"),
            Device(endpoint.Endpoint.Port, client, password, ca, seconds: 4, "pli", $"spoof:{CotOfOperation.TeamUid(op, "MK-RAID-01")}"),
            Device(endpoint.Endpoint.Port, Path.Combine(folder, "stranger.p12"), "stranger", ca, seconds: 4));
        var (entity, endless, spoof, unknown) = (hostile[0], hostile[1], hostile[2], hostile[3]);
        await Field.Report(server.Http, op, "MK-RAID-01", new { status = "Briefed", men = 1 });
        var good = await steady;

        Assert.False(entity.GetProperty("connected").GetBoolean(), "a DOCTYPE closes the connection");
        Assert.False(endless.GetProperty("connected").GetBoolean(), "an event that never ends closes the connection");
        Assert.True(spoof.GetProperty("connected").GetBoolean(), "an event under another's uid is refused, the connection stays");
        Assert.False(unknown.GetProperty("connected").GetBoolean());
        Assert.True(good.GetProperty("connected").GetBoolean());
        Assert.Contains(good.GetProperty("received").EnumerateArray(), f =>
            f.GetProperty("id").GetString() == CotOfOperation.TeamUid(op, "MK-RAID-01") && f.GetProperty("properties").GetProperty("remarks").GetString()!.StartsWith("Briefed", StringComparison.Ordinal));
        // Nothing was made of the spoofed position: MK-RAID-01 has no position.
        Assert.Null((await Field.Operation(server.Http, op)).Teams.Single(t => t.Id == "MK-RAID-01").Position);

        await using var db = Npgsql.NpgsqlDataSource.Create(database);
        var reasons = await Wait.Until(async () =>
        {
            await using var cmd = db.CreateCommand("SELECT detail->>'reason' FROM audit_log WHERE role = 'tak-device' AND outcome = 'refused'");
            await using var reader = await cmd.ExecuteReaderAsync();
            var found = new List<string>();
            while (await reader.ReadAsync()) found.Add(reader.IsDBNull(0) ? "" : reader.GetString(0));
            return found;
        }, r => r.Count >= 4, what: "the TAK refusals in the audit trail");
        Assert.Contains(reasons, r => r.StartsWith("not well-formed XML", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("an event over", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r == "an event under another's uid");
        Assert.Contains(reasons, r => r == "a certificate not signed by this deployment's TAK CA");
        Directory.Delete(folder, recursive: true);
    }

    // The client store, its password and the CA (as PEM for Node) from a data package.
    private static (string Client, string Password, string Ca) Unpack(byte[] package, string folder)
    {
        using var zip = new ZipArchive(new MemoryStream(package));
        var prefs = XDocument.Load(zip.GetEntry(TakDataPackage.Preferences)!.Open()).Descendants("entry")
            .ToDictionary(e => e.Attribute("key")!.Value, e => e.Value);
        var client = Path.Combine(folder, "client.p12");
        using (var file = File.Create(client)) zip.GetEntry("certs/" + prefs["certificateLocation"]["cert/".Length..])!.Open().CopyTo(file);
        using var trust = new MemoryStream();
        zip.GetEntry(TakDataPackage.TrustStore)!.Open().CopyTo(trust);
        var ca = Path.Combine(folder, "ca.pem");
        File.WriteAllText(ca, X509CertificateLoader.LoadPkcs12Collection(trust.ToArray(), prefs["caPassword"]).Single().ExportCertificatePem());
        return (client, prefs["clientPassword"], ca);
    }

    private static Task<JsonElement> Device(int port, string client, string password, string ca, int seconds, params string[] sends) =>
        NodeScript.Run("tak-client.mjs", "", TimeSpan.FromSeconds(seconds + 30),
            ["127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture), client, password, ca,
             seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), .. sends]);
}
