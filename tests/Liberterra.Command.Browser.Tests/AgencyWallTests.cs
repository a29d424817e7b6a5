using Liberterra.Command.Access;
using Liberterra.Command.Testing;
using static Microsoft.Playwright.Assertions;

namespace Liberterra.Command.Browser.Tests;

/// <summary>
/// Need-to-know on the wall, in Chromium: the wall of Argentina's police says whose view it is, shows its own teams'
/// notes, another agency's team as a plainly marked summary card with no note and no position, no card at all for a
/// team whose agency shares counts only, and the operation's whole totals; the coordination centre's wall shows everything.
/// </summary>
[Collection(BrowserCollection.Name)]
public class AgencyWallTests(BrowserFixture browser)
{
    private const string OwnNote = "Own note: twelve found in the textile workshop";
    private const string SummaryNote = "Vardar secret: informant at the border crossing";
    private const string HiddenNote = "Kuwait secret: flight manifest";

    [Fact]
    public async Task a_national_wall_shows_its_own_notes_others_in_summary_and_nothing_of_a_counts_only_team()
    {
        await using var server = await InProcessServer.StartAsync(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("wall-agency"));
        var op = await Field.LoadScenario(server.Http, Path.Combine(AppContext.BaseDirectory, "scenarios", "liberterra-ii.json"));
        await Field.Report(server.Http, op, "MK-RAID-01", new { status = "Briefed", children = 2, note = SummaryNote, position = new { latitude = 41.99, longitude = 21.43 } });
        await Field.Report(server.Http, op, "KW-RAID-01", new { status = "Briefed", women = 3, note = HiddenNote, position = new { latitude = 29.37, longitude = 47.97 } });

        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1920, Height = 1080 } });
        var wall = await WallPage.OpenAsync(context, server.Address, op, TestAuth.AgencyToken(Roles.Wall, "NP-AR"));
        // A report of its own arrives live, with its note.
        await Field.Report(server.Http, op, "AR-RAID-01", new { status = "Briefed", men = 1, note = OwnNote, position = new { latitude = -34.6, longitude = -58.4 } });
        var truth = await Field.Operation(server.Http, op);
        await wall.ExpectTotals(truth.Totals.Children, truth.Totals.Women, truth.Totals.Men, truth.Totals.Arrested);

        await Expect(wall.Page.Locator("#view-of")).ToHaveTextAsync(
            "Argentina: Policía Federal Argentina · own teams in full, 2 other agencies in full, 37 agencies in summary, and 1 agency in the totals only");
        await Expect(wall.Ticker).ToContainTextAsync(OwnNote);
        var summary = wall.Card("MK-RAID-01");
        await Expect(summary).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bsummary\b"));
        await Expect(summary.Locator(".meta")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Summary · "));
        await Expect(wall.Card("AR-RAID-01")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bsummary\b"));
        await Expect(wall.Card("KW-RAID-01")).ToHaveCountAsync(0);
        var model = await wall.Page.EvaluateAsync<System.Text.Json.JsonElement>("""
            () => { const m = window.liberterraWall.model;
                    return { mk: m.teams.get('MK-RAID-01').position, ar: m.teams.get('AR-RAID-01').position, kw: m.teams.has('KW-RAID-01'),
                             text: document.body.innerText + JSON.stringify([...m.teams.values()]) + JSON.stringify(m.ticker) }; }
            """);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, model.GetProperty("mk").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Object, model.GetProperty("ar").ValueKind);
        Assert.False(model.GetProperty("kw").GetBoolean());
        var everything = model.GetProperty("text").GetString()!;
        Assert.DoesNotContain(SummaryNote, everything);
        Assert.DoesNotContain(HiddenNote, everything);
        Assert.DoesNotContain("KW-RAID-01", everything);
        Assert.Empty(wall.Watched.Errors);
        await wall.Page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts.Directory, "wall-agency-ar.png") });

        // The coordination centre sees every team in full, notes included.
        var centre = await WallPage.OpenAsync(context, server.Address, op, TestAuth.AgencyToken(Roles.Wall, "INTERPOL-CCC"));
        await Expect(centre.Page.Locator("#view-of")).ToHaveTextAsync("INTERPOL Command and Coordination Centre · every team in full");
        await Expect(centre.Card("KW-RAID-01")).ToHaveCountAsync(1);
        await Expect(centre.Ticker).ToContainTextAsync(HiddenNote);
        await Expect(centre.Card("MK-RAID-01")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bsummary\b"));
    }
}
