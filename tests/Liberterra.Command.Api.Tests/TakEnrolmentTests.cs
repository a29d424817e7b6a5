using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Liberterra.Command.Access;
using Liberterra.Command.Server.Tak;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// Enrolling a TAK device: a data package with the manifest ATAK reads (version 2, every entry listed), the server's
/// connection, the CA as a trust store and the device's client certificate, signed by the deployment's CA and bound to
/// its operation and team; listed, revoked, and refused cleanly when the request is wrong. Through the API and the CLI.
/// </summary>
[Collection(ServerCollection.Name)]
public class TakEnrolmentTests(ServerFixture server)
{
    [Fact]
    public async Task an_enrolled_device_gets_a_data_package_with_a_certificate_bound_to_its_team_and_can_be_revoked()
    {
        var op = await Api.DefineOperation(server.Http);
        using var response = await Api.PostRaw(server.Http, $"/api/operations/{op}/tak/devices", """{"teamId":"AR-RAID-01","device":"ATAK phone 3"}""", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        var serial = response.Headers.GetValues(Server.Api.TakApi.SerialHeader).Single();
        Assert.Matches("^[0-9A-F]{32}$", serial);

        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        XDocument Read(string name) => XDocument.Load(zip.GetEntry(name)!.Open());
        var manifest = Read("MANIFEST/manifest.xml").Root!;
        Assert.Equal(("MissionPackageManifest", "2"), (manifest.Name.LocalName, manifest.Attribute("version")?.Value));
        var listed = manifest.Element("Contents")!.Elements("Content").Select(c => c.Attribute("zipEntry")!.Value).Order().ToList();
        Assert.Equal(zip.Entries.Select(e => e.FullName).Where(n => n != "MANIFEST/manifest.xml").Order(), listed);
        Assert.NotNull(manifest.Element("Configuration")!.Elements("Parameter").SingleOrDefault(p => p.Attribute("name")?.Value == "uid"));

        var prefs = Read(TakDataPackage.Preferences).Descendants("entry").ToDictionary(e => e.Attribute("key")!.Value, e => e.Value);
        Assert.Equal($"{server.Server.Address.Host}:8089:ssl", prefs["connectString0"]);
        var password = prefs["clientPassword"];
        X509Certificate2Collection Store(string name)
        {
            using var copy = new MemoryStream();
            zip.GetEntry(name)!.Open().CopyTo(copy);
            return X509CertificateLoader.LoadPkcs12Collection(copy.ToArray(), password, X509KeyStorageFlags.Exportable);
        }

        var ca = Store(TakDataPackage.TrustStore).Single();
        var client = Store("certs/" + prefs["certificateLocation"]["cert/".Length..]);
        var device = client.Single(c => c.HasPrivateKey);
        Assert.Equal(serial, TakAuthority.SerialOf(device));
        Assert.Equal((op, "AR-RAID-01"), TakAuthority.BindingOf(device));
        Assert.Contains("CN=ATAK phone 3", device.Subject);
        Assert.Contains(device.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.2");
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            Assert.True(chain.Build(device), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        }

        var devices = await server.Http.GetFromJsonAsync<JsonArray>($"/api/operations/{op}/tak/devices");
        Assert.Equal(serial, devices!.Single()!["serial"]!.ToString());
        using var revoke = await server.Http.PostAsync($"/api/operations/{op}/tak/devices/{serial}/revoke", null);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.NotNull((await revoke.Content.ReadFromJsonAsync<JsonObject>())!["revokedAt"]?.GetValue<DateTimeOffset>());
        using var unknown = await server.Http.PostAsync($"/api/operations/{op}/tak/devices/{new string('A', 32)}/revoke", null);
        Assert.Equal("device-not-found", (await Api.Problem(unknown))["rules"]![0]!["code"]!.ToString());
    }

    [Fact]
    public async Task a_wrong_enrolment_is_refused_naming_the_field()
    {
        var op = await Api.DefineOperation(server.Http);
        foreach (var (body, field, code) in new[]
                 {
                     ("""{"teamId":"AR-RAID-01"}""", "device", "required"),
                     ("""{"teamId":"AR-RAID-01","device":"phone\u001b[2J"}""", "device", "not-one-line"),
                     ($$"""{"teamId":"AR-RAID-01","device":"{{new string('x', 101)}}"}""", "device", "too-long"),
                     ("""{"teamId":"NO-SUCH-TEAM","device":"phone"}""", "teamId", "unknown-team"),
                 })
        {
            using var response = await Api.PostRaw(server.Http, $"/api/operations/{op}/tak/devices", body, null);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var problem = await Api.Problem(response);
            Assert.Equal((field, code), (problem["rules"]![0]!["field"]!.ToString(), problem["rules"]![0]!["code"]!.ToString()));
        }

        using var wall = server.Server.Client(TestAuth.Token(Roles.Wall));
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.PostRaw(wall, $"/api/operations/{op}/tak/devices", """{"teamId":"AR-RAID-01","device":"phone"}""", null)).StatusCode);
    }

    [Fact]
    public async Task the_cli_enrols_lists_and_revokes_and_writes_the_package_for_its_owner_only()
    {
        var op = await Api.DefineOperation(server.Http);
        var file = Path.Combine(Path.GetTempPath(), $"tak-{Guid.NewGuid():N}.zip");
        var admin = TestAuth.Token(Roles.Admin);
        var enrol = await CommandRun.StartAsync(server.Server.Address, Repository.Cli, admin, null, ["tak", "enroll", "--operation", op, "--team", "MK-RAID-01", "--device", "WinTAK laptop", "--out", file]);
        Assert.True(enrol.Exit == 0, enrol.Err);
        var serial = System.Text.RegularExpressions.Regex.Match(enrol.Out, "serial ([0-9A-F]{32})").Groups[1].Value;
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        using (var zip = ZipFile.OpenRead(file)) Assert.NotNull(zip.GetEntry("MANIFEST/manifest.xml"));
        File.Delete(file);

        Assert.Contains($"{serial}  WinTAK laptop", (await CommandRun.StartAsync(server.Server.Address, Repository.Cli, admin, null, ["tak", "devices", "--operation", op])).Out);
        Assert.Equal(0, (await CommandRun.StartAsync(server.Server.Address, Repository.Cli, admin, null, ["tak", "revoke", "--operation", op, "--serial", serial])).Exit);
        Assert.Contains("REVOKED", (await CommandRun.StartAsync(server.Server.Address, Repository.Cli, admin, null, ["tak", "devices", "--operation", op])).Out);
    }
}
