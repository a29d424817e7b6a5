using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;
using static Microsoft.Playwright.Assertions;

namespace Liberterra.Command.Browser.Tests;

/// <summary>The debrief page in Chromium: it plays a replay through the wall's picture, seeks and steps.</summary>
[Collection(BrowserCollection.Name)]
public class DebriefTests(BrowserFixture browser)
{
    private static readonly float Patience = WallPage.Ms(WallPage.Patience);

    [Fact]
    public async Task the_debrief_plays_to_the_live_totals_then_seeks_and_steps_back()
    {
        await using var server = await InProcessServer.StartAsync(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("debrief-page"));
        var op = await Field.LoadScenario(server.Http, Path.Combine(AppContext.BaseDirectory, "scenarios", "liberterra-ii.json"));
        await ScenarioReports.PlayAsync(server.Http, op, seed: 7);
        var live = await Field.Operation(server.Http, op);

        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 } });
        var watched = await WatchedPage.OpenAsync(context, new Uri(server.Address, $"/debrief/{op}#token={TestAuth.Token(Roles.Debriefer)}").ToString());
        var wall = new WallPage(watched);
        await wall.WaitLive();
        var page = watched.Page;
        // It starts paused just after the definition: nothing rescued yet.
        await Expect(page.Locator("#r-pos")).ToContainTextAsync($"event 1 of {live.LastSeq:#,0} · paused", new() { Timeout = Patience });
        await wall.ExpectTotals(0, 0, 0, 0);
        // The strip of where events cluster counts every event of the timeline.
        await Expect(page.Locator("#density rect")).ToHaveCountAsync(200, new() { Timeout = Patience });
        Assert.Equal(live.LastSeq, await page.EvalOnSelectorAllAsync<long>("#density rect", "rs => rs.reduce((n, r) => n + Number(r.dataset.count), 0)"));

        await page.SelectOptionAsync("#r-speed", "3600");
        await Expect(page.Locator("#r-pos")).ToContainTextAsync("paused");
        await page.ClickAsync("#r-play");
        await Expect(page.Locator("#r-pos")).ToContainTextAsync("· ended", new() { Timeout = Patience });
        await wall.ExpectTotals(live.Totals.Children, live.Totals.Women, live.Totals.Men, live.Totals.Arrested);
        Assert.Equal(live.LastSeq, await wall.LastSeq());

        // Back to the middle with the scrubber, then one event back: each time exactly the state at that event.
        var middle = live.LastSeq / 2;
        await page.EvalOnSelectorAsync("#r-scrub", $"el => {{ el.value = '{middle}'; el.dispatchEvent(new Event('change')); }}");
        await Expect(page.Locator("#r-pos")).ToContainTextAsync($"event {middle:#,0} of", new() { Timeout = Patience });
        var debriefer = server.Client(TestAuth.Token(Roles.Debriefer));
        var atMiddle = (await debriefer.GetFromJsonAsync<OperationView>($"/api/operations/{op}/state?seq={middle}", Field.Json))!;
        await wall.ExpectTotals(atMiddle.Totals.Children, atMiddle.Totals.Women, atMiddle.Totals.Men, atMiddle.Totals.Arrested);
        await Expect(page.Locator($"#around li.current[data-seq='{middle}']")).ToHaveCountAsync(1, new() { Timeout = Patience });
        // The ticker shows the reports up to the replay's event, newest first, as a wall did at that moment.
        var tickerThen = (await debriefer.GetFromJsonAsync<TickerEntry[]>($"/api/operations/{op}/ticker?seq={middle}&limit=40", Field.Json))!;
        Assert.NotEmpty(tickerThen);
        await Expect(page.Locator("#ticker li").First).ToHaveAttributeAsync("data-seq", tickerThen[0].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = Patience });
        Assert.All(await page.Locator("#ticker li").EvaluateAllAsync<long[]>("lis => lis.map(li => Number(li.dataset.seq))"), s => Assert.True(s <= middle));
        // The events around the cursor and the ticker are in the server's words (EventText), as on the wall: "En Route",
        // "+1 child", never the enum names.
        var around = (await debriefer.GetFromJsonAsync<TimelinePage>($"/api/operations/{op}/timeline?after={Math.Max(0, middle - 7)}&limit=14", Field.Json))!;
        await Expect(page.Locator("#around li .what")).ToHaveTextAsync([.. around.Events.Select(e => e.Summary)], new() { Timeout = Patience });
        await Expect(page.Locator("#ticker li .what").First).ToContainTextAsync(tickerThen[0].Summary);
        foreach (var text in await page.Locator("#around li .what, #ticker li .what").AllInnerTextsAsync())
            Assert.DoesNotMatch(@"\b(EnRoute|OnSite)\b|[-+]1 (children|women|men|arrests)\b", text);

        await page.ClickAsync("#r-back");
        await Expect(page.Locator("#r-pos")).ToContainTextAsync($"event {middle - 1:#,0} of", new() { Timeout = Patience });
        var before = (await debriefer.GetFromJsonAsync<OperationView>($"/api/operations/{op}/state?seq={middle - 1}", Field.Json))!;
        await wall.ExpectTotals(before.Totals.Children, before.Totals.Women, before.Totals.Men, before.Totals.Arrested);
        await page.ClickAsync("#r-step");
        await Expect(page.Locator("#r-pos")).ToContainTextAsync($"event {middle:#,0} of", new() { Timeout = Patience });
        await wall.ExpectTotals(atMiddle.Totals.Children, atMiddle.Totals.Women, atMiddle.Totals.Men, atMiddle.Totals.Arrested);

        // A click at the end of the strip goes to the events of its last span.
        var lastSpan = await page.EvalOnSelectorAllAsync<long>("#density rect", "rs => Number(rs[rs.length - 1].dataset.count)");
        var strip = await page.Locator("#density").BoundingBoxAsync();
        await page.Mouse.ClickAsync(strip!.X + strip.Width - 1, strip.Y + strip.Height / 2);
        await Expect(page.Locator("#r-pos")).Not.ToContainTextAsync($"event {middle:#,0} of", new() { Timeout = Patience });
        var at = long.Parse(Regex.Match(await page.Locator("#r-pos").InnerTextAsync(), @"event ([\d,]+) of").Groups[1].Value.Replace(",", ""));
        Assert.InRange(at, live.LastSeq - lastSpan - 1, live.LastSeq);

        // The live operation was never touched.
        Assert.Equal(live.LastSeq, (await Field.Operation(server.Http, op)).LastSeq);
        Assert.Empty(watched.Errors);
    }

    [Fact]
    public async Task a_commander_marks_an_event_significant_and_the_lane_takes_the_replay_there()
    {
        await using var server = await InProcessServer.StartAsync(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("debrief-lane"));
        var op = await Field.DefineOperation(server.Http);
        for (var i = 0; i < 8; i++) await Field.Report(server.Http, op, i % 2 == 0 ? "AR-RAID-01" : "MK-RAID-01", new { children = 1 });

        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 } });
        var watched = await WatchedPage.OpenAsync(context, new Uri(server.Address, $"/debrief/{op}#token={TestAuth.Token(Roles.Commander)}").ToString());
        var page = watched.Page;
        await new WallPage(watched).WaitLive();
        await page.EvalOnSelectorAsync("#r-scrub", "el => { el.value = '6'; el.dispatchEvent(new Event('change')); }");
        await Expect(page.Locator("#r-pos")).ToContainTextAsync("event 6 of 9", new() { Timeout = Patience });
        await page.FillAsync("#mark-title", "Second raid in Argentina");
        await page.ClickAsync("#mark");
        var marker = page.Locator("#lane button.mark[data-seq='6']");
        await Expect(marker).ToHaveCountAsync(1, new() { Timeout = Patience });
        await Expect(marker).ToHaveAttributeAsync("title", new Regex("Second raid in Argentina"));

        // Elsewhere in the replay, the mark takes it back to its event.
        await page.ClickAsync("#r-back");
        await Expect(page.Locator("#r-pos")).ToContainTextAsync("event 5 of 9", new() { Timeout = Patience });
        await marker.ClickAsync();
        await Expect(page.Locator("#r-pos")).ToContainTextAsync("event 6 of 9", new() { Timeout = Patience });
        var lane = await server.Http.GetFromJsonAsync<SignificantEntry[]>($"/api/operations/{op}/significant", Field.Json);
        Assert.Equal("Second raid in Argentina", Assert.Single(lane!).Title);
        Assert.Empty(watched.Errors);
    }

    [Fact]
    public async Task the_after_action_report_shows_the_figures_and_prints_to_pdf()
    {
        await using var server = await InProcessServer.StartAsync(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("debrief-report"));
        var op = await Field.LoadScenario(server.Http, Path.Combine(AppContext.BaseDirectory, "scenarios", "liberterra-ii.json"));
        await ScenarioReports.PlayAsync(server.Http, op, seed: 11);
        await server.Http.PostAsJsonAsync($"/api/operations/{op}/significant", new { seq = 10, title = "<b>Markup</b> stays text" });
        var live = await Field.Operation(server.Http, op);

        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1200, Height = 900 } });
        var watched = await WatchedPage.OpenAsync(context, new Uri(server.Address, $"/report/{op}#token={TestAuth.Token(Roles.Debriefer)}").ToString());
        var page = watched.Page;
        await Expect(page.Locator("body[data-ready='true']")).ToHaveCountAsync(1, new() { Timeout = Patience });
        await Expect(page.Locator("#name")).ToHaveTextAsync("Operation Liberterra II");
        await Expect(page.Locator("#t-rescued")).ToHaveTextAsync(live.Totals.Rescued.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.Locator("#t-arrested")).ToHaveTextAsync(live.Totals.Arrested.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.Locator("#regions-table tr")).ToHaveCountAsync(live.Regions.Count + 1);
        var active = live.Teams.Count(t => t.ReportCount > 0);
        await Expect(page.Locator("#gantt g[data-team]")).ToHaveCountAsync(active);
        await Expect(page.Locator("#significant-table")).ToContainTextAsync("<b>Markup</b> stays text");
        await Expect(page.Locator("#significant-table b")).ToHaveCountAsync(0);
        Assert.True(await page.Locator("#days-chart rect").CountAsync() > 0);
        await Expect(page.Locator("#significant-table")).ToContainTextAsync(
            (await server.Http.GetFromJsonAsync<SignificantEntry[]>($"/api/operations/{op}/significant", Field.Json))![0].Event.Summary);
        // Each header stands over its column: numeric columns (headers too) are right-aligned, the others left-aligned.
        var misaligned = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('table')].flatMap(t => {
              if (t.rows.length < 2) return [];
              const text = cell => { const r = document.createRange(); r.selectNodeContents(cell); return r.getBoundingClientRect(); };
              return [...t.rows[0].cells].flatMap((th, i) => {
                const td = t.rows[1].cells[i];
                if (!td || th.tagName !== 'TH') return [];
                const right = ['right', 'end'].includes(getComputedStyle(td).textAlign);   // end: right in a left-to-right page
                const off = right ? Math.abs(text(th).right - text(td).right) : Math.abs(text(th).left - text(td).left);
                return getComputedStyle(th).textAlign === getComputedStyle(td).textAlign && off < 1.5 ? [] : [`${t.id}: ${th.textContent} (${off.toFixed(1)} px)`];
              });
            })
            """);
        Assert.Empty(misaligned);
        Assert.Equal("end", await page.EvalOnSelectorAsync<string>("#regions-table tr:first-child th:nth-child(4)", "th => getComputedStyle(th).textAlign"));

        var pdf = await page.PdfAsync(new() { Format = "A4", PrintBackground = true });
        Assert.True(pdf.Length > 20_000, $"the PDF has {pdf.Length} bytes");
        Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(pdf, 0, 4));
        await File.WriteAllBytesAsync(Path.Combine(Artifacts.Directory, "after-action-report.pdf"), pdf);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts.Directory, "after-action-report.png"), FullPage = true });
        Assert.Empty(watched.Errors);
    }
}
