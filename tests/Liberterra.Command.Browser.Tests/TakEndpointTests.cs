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
/// A TAK device on the CoT endpoint: TAK's own TLS client (@tak-ps/node-tak, as CloudTAK connects) with the certificate
/// of its data package, CoT built and read by TAK's node-cot. Its pings are answered; it receives the teams with their
/// status; its position moves its team on the wall (Chromium), in the API, the timeline and the position export; its
/// 911 alert is its team's distress call, on the wall and in the API; its GeoChat reaches the command page (live and on
/// load), and a message refused is answered in its chat; once revoked, its certificate is refused at the handshake.
/// Hostile devices (and a slow writer) close only their own connection; the plain lab port acts for its one team.
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
        var command = await context.NewPageAsync();
        await command.GotoAsync(new Uri(server.Address, $"/command/{op}#token={TestAuth.Token(Roles.Commander)}").ToString());
        await Expect(command.Locator("#messages li.empty")).ToBeVisibleAsync();

        var session = await Device(endpoint.Endpoint!.Port, client, password, ca, seconds: 9, "pli", "911", "chat:Need transport for 12 people at the warehouse", "chatlong");
        Assert.True(session.GetProperty("connected").GetBoolean(), session.GetProperty("error").ToString());
        Assert.True(session.GetProperty("open").GetBoolean(), "node-tak's ping was answered (t-x-c-t-r)");
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

        // Its GeoChat is a message to command: live on the command page, in the timeline, and on a page opened later.
        var messages = await server.Http.GetFromJsonAsync<JsonElement>($"/api/operations/{op}/timeline?kind=MessageSent");
        var message = messages.GetProperty("events").EnumerateArray().Single();
        Assert.Equal(("AR-RAID-01", "Need transport for 12 people at the warehouse", "TAK ATAK phone 3"), (message.GetProperty("teamId").GetString(),
            message.GetProperty("message").GetProperty("text").GetString(), message.GetProperty("message").GetProperty("source").GetString()));
        await Expect(command.Locator("#messages li.new")).ToContainTextAsync("Need transport for 12 people at the warehouse");
        await Expect(command.Locator("#messages li.new")).ToContainTextAsync("TAK ATAK phone 3");
        await Expect(wall.Page.Locator("#ticker")).ToContainTextAsync("message to command from TAK ATAK phone 3: Need transport for 12 people");
        var later = await context.NewPageAsync();
        await later.GotoAsync(new Uri(server.Address, $"/command/{op}").ToString());
        await Expect(later.Locator("#messages li")).ToHaveCountAsync(1);
        await Expect(later.Locator("#messages li")).ToContainTextAsync("Need transport for 12 people at the warehouse");
        // Reply: the order form is set for a Message to the team.
        await later.Locator("#messages li button").ClickAsync();
        Assert.Equal(("team:AR-RAID-01", "Message"), (await later.Locator("#order-target").InputValueAsync(), await later.Locator("#order-kind").InputValueAsync()));
        await later.ScreenshotAsync(new() { Path = Path.Combine(Artifacts.Directory, "command-messages.png") });
        // The message over the limit was not taken, and the device was told so in its chat with command.
        Assert.Contains(received, f => f.GetProperty("properties").GetProperty("type").GetString() == "b-t-f"
            && f.GetProperty("properties").GetProperty("remarks").GetString()!.StartsWith("Not delivered to command: ", StringComparison.Ordinal));

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
            "--Tak:Enabled=true", "--Tak:Port=0", $"--Tak:CaFile={Path.Combine(folder, "ca.p12")}", "--Tak:EventSeconds=2");
        var endpoint = server.Services.GetRequiredService<TakEndpoint>();
        await endpoint.Listening;
        var op = await Field.DefineOperation(server.Http);
        using var enrolled = await server.Http.PostAsJsonAsync($"/api/operations/{op}/tak/devices", new { teamId = "AR-RAID-01", device = "ATAK phone 3" });
        var (client, password, ca) = Unpack(await enrolled.Content.ReadAsByteArrayAsync(), folder);

        // A well-behaved device stays connected throughout and keeps receiving the operation's changes.
        var steady = Device(endpoint.Endpoint!.Port, client, password, ca, seconds: 16, "pli");
        await Wait.Until(() => Task.FromResult(endpoint.Connected), n => n == 1, what: "the good device connected");

        // A certificate this deployment's CA did not sign.
        using (var key = System.Security.Cryptography.RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=Stranger", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var stranger = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(Path.Combine(folder, "stranger.pem"), stranger.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(folder, "stranger.key"), key.ExportPkcs8PrivateKeyPem());
        }

        // The hostile ones at the same time, beside it.
        var hostile = await Task.WhenAll(
            Device(endpoint.Endpoint.Port, client, password, ca, seconds: 4, "pli", "entity"),
            Device(endpoint.Endpoint.Port, client, password, ca, seconds: 4, "pli", "endless"),
            Device(endpoint.Endpoint.Port, client, password, ca, seconds: 4, "pli", $"spoof:{CotOfOperation.TeamUid(op, "MK-RAID-01")}"),
            Device(endpoint.Endpoint.Port, new Credentials(Path.Combine(folder, "stranger.pem"), Path.Combine(folder, "stranger.key")), ca, seconds: 4),
            Device(endpoint.Endpoint.Port, client, password, ca, seconds: 8, "slow"));
        var (entity, endless, spoof, unknown, slow) = (hostile[0], hostile[1], hostile[2], hostile[3], hostile[4]);
        await Field.Report(server.Http, op, "MK-RAID-01", new { status = "Briefed", men = 1 });
        var good = await steady;

        Assert.False(entity.GetProperty("connected").GetBoolean(), "a DOCTYPE closes the connection");
        Assert.False(endless.GetProperty("connected").GetBoolean(), "an event that never ends closes the connection");
        Assert.True(spoof.GetProperty("connected").GetBoolean(), "an event under another's uid is refused, the connection stays");
        Assert.False(unknown.GetProperty("connected").GetBoolean());
        Assert.False(slow.GetProperty("connected").GetBoolean(), "an event trickled byte by byte is cut off after Tak:EventSeconds");
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
        }, r => r.Count >= 5, what: "the TAK refusals in the audit trail");
        Assert.Contains(reasons, r => r.StartsWith("not well-formed XML", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("an event over", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r == "an event under another's uid");
        Assert.Contains(reasons, r => r == "a certificate not signed by this deployment's TAK CA");
        Assert.Contains(reasons, r => r == "an event not finished within 2 s (a slow writer)");
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task a_device_that_asks_for_tak_protocol_1_is_answered_and_both_sides_speak_protobuf()
    {
        var folder = Directory.CreateTempSubdirectory("tak-proto-").FullName;
        await using var server = await InProcessServer.StartAsync(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("tak-proto"), null,
            "--Tak:Enabled=true", "--Tak:Port=0", $"--Tak:CaFile={Path.Combine(folder, "ca.p12")}");
        var endpoint = server.Services.GetRequiredService<TakEndpoint>();
        await endpoint.Listening;
        var op = await Field.DefineOperation(server.Http);
        using var enrolled = await server.Http.PostAsJsonAsync($"/api/operations/{op}/tak/devices", new { teamId = "AR-RAID-01", device = "ATAK phone 5" });
        var (client, _, ca) = Unpack(await enrolled.Content.ReadAsByteArrayAsync(), folder);

        var session = await NodeScript.Run("tak-proto-client.mjs", "", TimeSpan.FromSeconds(40),
            ["127.0.0.1", endpoint.Endpoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), client.Cert, client.Key, ca, "6"]);
        Assert.True(session.GetProperty("offered").GetBoolean(), "the server offers version 1 (t-x-takp-v)");
        Assert.True(session.GetProperty("accepted").GetBoolean(), session.GetProperty("error").ToString());
        Assert.Equal((JsonValueKind.Null, false), (session.GetProperty("error").ValueKind, session.GetProperty("closed").GetBoolean()));
        // The greeting came as XML, before the switch; the team's move after it came as protobuf, read by node-cot.
        Assert.Contains(session.GetProperty("xml").EnumerateArray(), f => f.GetProperty("id").GetString() == CotOfOperation.TeamUid(op, "MK-RAID-01"));
        var moved = session.GetProperty("proto").EnumerateArray().Last(f => f.GetProperty("id").GetString() == CotOfOperation.TeamUid(op, "AR-RAID-01"));
        Assert.Equal((-65.3, -26.9), (moved.GetProperty("geometry").GetProperty("coordinates")[0].GetDouble(), moved.GetProperty("geometry").GetProperty("coordinates")[1].GetDouble()));
        Assert.Equal("a-f-G-U-C", moved.GetProperty("properties").GetProperty("type").GetString());
        Assert.StartsWith("Standby · 0 rescued", moved.GetProperty("properties").GetProperty("remarks").GetString());

        // What it sent in protobuf (node-cot's encoding) went through the same checks into the timeline.
        var timeline = await server.Http.GetFromJsonAsync<JsonElement>($"/api/operations/{op}/timeline?kind=PositionReported,MessageSent");
        var events = timeline.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(-26.9, events.Single(e => e.GetProperty("kind").GetString() == "PositionReported").GetProperty("position").GetProperty("latitude").GetDouble());
        Assert.Equal("Sent over TAK protocol 1", events.Single(e => e.GetProperty("kind").GetString() == "MessageSent").GetProperty("message").GetProperty("text").GetString());
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task the_plain_lab_port_takes_no_certificate_and_acts_for_its_one_team()
    {
        var folder = Directory.CreateTempSubdirectory("tak-lab-").FullName;
        await using var server = await InProcessServer.StartAsync(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("tak-lab"), null,
            "--Tak:Enabled=true", "--Tak:Port=0", $"--Tak:CaFile={Path.Combine(folder, "ca.p12")}",
            "--Tak:Lab:Port=0", "--Tak:Lab:Operation=liberterra-ii", "--Tak:Lab:Team=MK-RAID-01");
        var endpoint = server.Services.GetRequiredService<TakEndpoint>();
        await endpoint.Listening;
        await TestOperations.DefineAsync(server.Http, "op", "Lab", exercise: true, TestOperations.TwoRegions, TestOperations.FourTeams, id: "liberterra-ii");

        // Plain TCP, no TLS: the picture arrives as it does on the TLS port...
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, endpoint.LabEndpoint!.Port);
        var stream = tcp.GetStream();
        var framer = new CotFramer();
        var buffer = new byte[16 * 1024];
        var greeting = new List<CotEvent>();
        while (!greeting.Any(e => e.Uid == CotOfOperation.TeamUid("liberterra-ii", "MK-RAID-01")))
        {
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.NotEqual(0, read);
            framer.Append(buffer.AsSpan(0, read));
            while (framer.TryTake(out var xml)) greeting.Add(CotXml.Parse(xml, out _)!);
        }

        // ...and its position and GeoChat are the configured team's.
        var now = DateTimeOffset.UtcNow;
        foreach (var e in new[]
                 {
                     new CotEvent("ANDROID-lab-phone", "a-f-G-U-C", "m-g", now, now, now.AddMinutes(2), new CotPoint(41.9981, 21.4254)),
                     new CotEvent("GeoChat.ANDROID-lab-phone.liberterra-command.1", "b-t-f", "h-g-i-g-o", now, now, now.AddMinutes(2), new CotPoint(0, 0),
                         null, "Lab check", new CotChat("Command", "Lab phone", CotXml.Sender)),
                 })
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(CotXml.Write(e)));
        var moved = await Wait.Until(async () => (await Field.Operation(server.Http, "liberterra-ii")).Teams.Single(t => t.Id == "MK-RAID-01").Position,
            p => p is not null, what: "MK-RAID-01 moved by the lab device");
        Assert.Equal((41.9981, 21.4254), (moved!.Latitude, moved.Longitude));
        var messages = await Wait.Until(() => server.Http.GetFromJsonAsync<JsonElement>("/api/operations/liberterra-ii/timeline?kind=MessageSent"),
            m => m.GetProperty("events").GetArrayLength() == 1, what: "the lab device's message");
        Assert.Equal(("MK-RAID-01", "Lab check"), (messages.GetProperty("events")[0].GetProperty("teamId").GetString(),
            messages.GetProperty("events")[0].GetProperty("message").GetProperty("text").GetString()));
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void a_lab_port_without_its_operation_and_team_is_refused_at_start()
    {
        var options = new TakOptions { Enabled = true, Lab = new TakLabOptions { Port = 8087, Operation = "liberterra-ii" } };
        Assert.Contains("Tak:Lab:Team", Assert.Throws<InvalidOperationException>(options.Validate).Message);
        Assert.Contains("Tak:Enabled", Assert.Throws<InvalidOperationException>(new TakOptions { Lab = new TakLabOptions { Port = 8087, Operation = "o", Team = "t" } }.Validate).Message);
        new TakOptions().Validate();
    }

    /// <summary>A device's certificate and key, as PEM files (what node-tak takes).</summary>
    private sealed record Credentials(string Cert, string Key);

    // The client certificate and key and the CA, as PEM for node-tak, from a data package (its .p12 files and passwords).
    private static (Credentials Client, string Password, string Ca) Unpack(byte[] package, string folder)
    {
        using var zip = new ZipArchive(new MemoryStream(package));
        var prefs = XDocument.Load(zip.GetEntry(TakDataPackage.Preferences)!.Open()).Descendants("entry")
            .ToDictionary(e => e.Attribute("key")!.Value, e => e.Value);
        using var store = new MemoryStream();
        zip.GetEntry("certs/" + prefs["certificateLocation"]["cert/".Length..])!.Open().CopyTo(store);
        using var certificate = X509CertificateLoader.LoadPkcs12(store.ToArray(), prefs["clientPassword"], X509KeyStorageFlags.Exportable);
        var client = new Credentials(Path.Combine(folder, "client.pem"), Path.Combine(folder, "client.key"));
        File.WriteAllText(client.Cert, certificate.ExportCertificatePem());
        File.WriteAllText(client.Key, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        using var trust = new MemoryStream();
        zip.GetEntry(TakDataPackage.TrustStore)!.Open().CopyTo(trust);
        var ca = Path.Combine(folder, "ca.pem");
        File.WriteAllText(ca, X509CertificateLoader.LoadPkcs12Collection(trust.ToArray(), prefs["caPassword"]).Single().ExportCertificatePem());
        return (client, prefs["clientPassword"], ca);
    }

    private static Task<JsonElement> Device(int port, Credentials client, string password, string ca, int seconds, params string[] sends) =>
        Device(port, client, ca, seconds, sends);

    private static Task<JsonElement> Device(int port, Credentials client, string ca, int seconds, params string[] sends) =>
        NodeScript.Run("tak-client.mjs", "", TimeSpan.FromSeconds(seconds + 30),
            ["127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture), client.Cert, client.Key, ca,
             seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), .. sends]);
}
