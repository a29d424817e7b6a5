using System.Text.Json;
using Liberterra.Command.Domain;
using Liberterra.Command.Server.Tak;

namespace Liberterra.Command.Browser.Tests;

/// <summary>
/// Our CoT against TAK's own library: @tak-ps/node-cot (the CoT library CloudTAK uses; run on Playwright's Node 24, as it
/// needs Node 22 or newer) reads the teams, hotspots and orders this server writes for TAK devices, with their call
/// signs, status and counts, and places; and what node-cot writes as a device's position report, this server reads.
/// </summary>
public class TakInteropTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task node_cot_reads_our_teams_hotspots_and_orders_and_we_read_its_position_report()
    {
        var definition = new OperationDefinition("liberterra-ii", "Operation Liberterra II", Now.AddDays(-1), Now.AddDays(5), false,
            [new RegionDefinition("AR", "Argentina", "AR", new GeoPoint(-34.6, -64.2), [ExploitationType.ForcedLabour])],
            [new TeamDefinition("AR-RAID-01", TeamKind.RaidTeam, "AR", "Raid Argentina 1", "Police"),
             new TeamDefinition("AR-RAID-02", TeamKind.RaidTeam, "AR", "Raid Argentina 2", "Police")]);
        var state = OperationReducer.Fold(null, [
            new TimelineEvent(1, definition.Id, Now.AddHours(-2), null, "admin", null, "define-00000001", new OperationDefined(definition)),
            new TimelineEvent(2, definition.Id, Now.AddMinutes(-10), null, "lead", "AR-RAID-01", "report-00000002",
                new FieldReported(new FieldReport(TeamStatus.EnRoute, new Tally(4, 2, 0, 3), [], new GeoPoint(-26.8241, -65.2226), null))),
            new TimelineEvent(3, definition.Id, Now.AddMinutes(-5), null, "commander", null, "order-00000003",
                new OrderIssued(new Order(OrderKind.Hold, "Hold at the farm gate", OrderTarget.Team("AR-RAID-01"), null, null))),
        ])!;
        CotEvent[] ours =
        [
            CotOfOperation.Team(state, state.Teams["AR-RAID-01"], Now),
            CotOfOperation.Team(state, state.Teams["AR-RAID-02"], Now),
            CotOfOperation.Region(state, state.Regions["AR"], Now),
            CotOfOperation.Order(state.Id, state.Orders[3], "ANDROID-3f2a9c1d", Now),
        ];

        var result = await NodeCot(ours.Select(CotXml.Write));
        var parsed = result.GetProperty("parsed").EnumerateArray().ToList();
        Assert.Equal(ours.Length, parsed.Count);
        for (var i = 0; i < ours.Length; i++)
        {
            var props = parsed[i].GetProperty("properties");
            Assert.Equal(ours[i].Uid, parsed[i].GetProperty("id").GetString());
            Assert.Equal(ours[i].Type, props.GetProperty("type").GetString());
            Assert.Equal(ours[i].Remarks, props.GetProperty("remarks").GetString());
            Assert.Equal(ours[i].Stale, props.GetProperty("stale").GetDateTimeOffset());
            var at = parsed[i].GetProperty("geometry").GetProperty("coordinates").EnumerateArray().Select(c => c.GetDouble()).ToList();
            Assert.Equal((ours[i].Point.Lon, ours[i].Point.Lat), (at[0], at[1]));
        }

        // The team that reported: at its position, its status and counts in its remarks, fresh for 30 minutes after it.
        var reported = parsed[0].GetProperty("properties");
        Assert.Equal("Raid Argentina 1", reported.GetProperty("callsign").GetString());
        Assert.StartsWith("EnRoute · 6 rescued (4 children, 2 women, 0 men) · 3 arrested", reported.GetProperty("remarks").GetString());
        Assert.Equal(Now.AddMinutes(-10) + CotOfOperation.FreshFor, reported.GetProperty("stale").GetDateTimeOffset());
        // The one that never reported sits at its region's centre.
        Assert.Equal(-34.6, parsed[1].GetProperty("geometry").GetProperty("coordinates")[1].GetDouble());
        Assert.Contains("Hold at the farm gate", parsed[3].GetProperty("properties").GetProperty("remarks").GetString());

        // node-cot's position report, read by this server.
        var pli = CotXml.Parse(result.GetProperty("pli").GetString()!, out var error);
        Assert.Null(error);
        Assert.True(pli!.IsPosition);
        Assert.Equal(("ANDROID-node-cot-1", "Raid Argentina 1", -34.6037, -58.3816), (pli.Uid, pli.Callsign, pli.Point.Lat, pli.Point.Lon));
    }

    [Fact]
    public async Task node_cot_opens_our_enrolment_data_package_with_its_strict_manifest_check()
    {
        var folder = Directory.CreateTempSubdirectory("tak-ca-").FullName;
        var authority = TakAuthority.From(new TakOptions(), folder);
        using var device = authority.IssueDevice("liberterra-ii", "AR-RAID-01", "ATAK phone 3", DateTimeOffset.UtcNow);
        var file = Path.Combine(folder, "package.zip");
        await File.WriteAllBytesAsync(file, TakDataPackage.Build(authority, device, "liberterra-ii", "ATAK phone 3", "tak.example.org", 8089));

        var found = await Node("datapackage-check.mjs", "", file);
        Assert.Equal("2", found.GetProperty("version").GetString());
        Assert.Equal("Liberterra liberterra-ii - ATAK phone 3", found.GetProperty("settings").GetProperty("name").GetString());
        Assert.Equal([TakDataPackage.Preferences, TakDataPackage.TrustStore, "certs/ATAK_phone_3.p12"],
            found.GetProperty("contents").EnumerateArray().Select(c => c.GetString()));
        Directory.Delete(folder, recursive: true);
    }

    private static Task<JsonElement> NodeCot(IEnumerable<string> ours) =>
        NodeScript.Run("cot-interop.mjs", JsonSerializer.Serialize(new { ours }), TimeSpan.FromSeconds(60));

    private static Task<JsonElement> Node(string script, string input, params string[] args) =>
        NodeScript.Run(script, input, TimeSpan.FromSeconds(60), args);
}
