using System.Text.RegularExpressions;
using Liberterra.Command.Access;
using Liberterra.Command.Server.Hosting;
using Liberterra.Command.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Liberterra.Command.Browser.Tests;

/// <summary>The wall page in Chromium against the real server (real HTTP, real SignalR, PostgreSQL).</summary>
[Collection(BrowserCollection.Name)]
public class WallTests(BrowserFixture browser)
{
    private static readonly PageAssertionsToHaveURLOptions Patient = new() { Timeout = WallPage.Ms(WallPage.Patience) };
    private static readonly LocatorAssertionsToContainTextOptions PatientText = new() { Timeout = WallPage.Ms(WallPage.Patience) };


    private static async Task<string> Database(string name) =>
        await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync(name);

    [Fact]
    public async Task a_report_posted_through_the_api_appears_on_the_wall_with_the_right_totals()
    {
        await using var server = await InProcessServer.StartAsync(await Database("wall-report"));
        var op = await Field.DefineOperation(server.Http);
        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 } });
        var wall = await WallPage.OpenAsync(context, server.Address, op, TestAuth.Token(Roles.Wall));
        await wall.ExpectTotals(0, 0, 0, 0);
        await Expect(wall.Page.Locator("#op-name")).ToHaveTextAsync("Browser test operation");
        await Expect(wall.Page.Locator("#clock-day")).ToHaveTextAsync("Day 3 of 6");

        var lead = server.Client(TestAuth.Token(Roles.TeamLead, "AR-RAID-01"));
        await Field.Report(lead, op, "AR-RAID-01", new { status = "Briefed" });
        await Field.Report(lead, op, "AR-RAID-01", new { status = "EnRoute" });
        var ack = await Field.Report(lead, op, "AR-RAID-01", new
        {
            status = "OnSite", children = 3, women = 2, men = 1, arrested = 4,
            position = new { latitude = -34.2, longitude = -63.5 }, note = "Farm secured",
        });

        await wall.ExpectTotals(3, 2, 1, 4);
        await wall.ExpectTotal("t-active", 1);
        var card = wall.Card("AR-RAID-01");
        await Expect(card).ToHaveClassAsync(new Regex(@"\bs-OnSite\b"));
        await Expect(card.Locator(".status")).ToHaveTextAsync("On Site");         // colour plus text
        await Expect(card).ToContainTextAsync("checked in just now");
        await Expect(wall.Ticker.Locator("li").First).ToContainTextAsync("Condor 1");
        await Expect(wall.Ticker.Locator("li").First).ToContainTextAsync("+3 children");
        await Expect(wall.Page.Locator("#map circle.region[data-region='AR'] title")).ToHaveTextAsync("Argentina: 6 rescued, 4 arrested");
        await Expect(wall.Page.Locator("#map circle.team")).ToHaveCountAsync(1);
        await Expect(wall.Page.Locator("#map path.land")).ToHaveCountAsync(1);    // the offline world map is drawn
        Assert.Equal(ack.Seq, await wall.LastSeq());

        // Raids completed counts the raid when the team reaches Completed and keeps it when the team starts its next one;
        // the teams in Completed now are counted beneath it.
        await Field.Report(lead, op, "AR-RAID-01", new { status = "Completed" });
        await wall.ExpectTotal("t-completed", 1);
        await wall.ExpectTotal("t-completed-now", 1);
        await Field.Report(lead, op, "AR-RAID-01", new { status = "Standby" });
        await wall.ExpectTotal("t-completed-now", 0);
        await wall.ExpectTotal("t-completed", 1);
        await Expect(wall.Ticker.Locator("li").First).ToContainTextAsync("Standby · Argentina");

        // What the API says is what the wall shows.
        var truth = await Field.Operation(server.Http, op);
        Assert.Equal(6, truth.Totals.Rescued);
        Assert.Equal((1, 0), (truth.RaidsCompleted, truth.TeamsCompleted));
        Assert.Empty(wall.Watched.Errors);   // no script error, no CSP violation
    }

    [Fact]
    public async Task the_page_is_served_with_a_content_security_policy_and_only_local_resources()
    {
        await using var server = await InProcessServer.StartAsync(await Database("wall-csp"));
        var op = await Field.DefineOperation(server.Http);
        await using var context = await browser.Browser.NewContextAsync();
        var requested = new List<string>();
        context.Request += (_, request) => { lock (requested) requested.Add(request.Url); };
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync(new Uri(server.Address, $"/wall/{op}#token={TestAuth.Token(Roles.Wall)}").ToString());

        Assert.Equal(WebPages.ContentSecurityPolicy, await response!.HeaderValueAsync("content-security-policy"));
        await new WallPage(WatchedPage.Watch(page)).WaitLive();
        lock (requested)
        {
            Assert.NotEmpty(requested);
            Assert.All(requested, url => Assert.StartsWith(server.Address.GetLeftPart(UriPartial.Authority), url.Replace("ws://", "http://")));
        }

        // "/" leads to the wall, which picks the only operation there is.
        await page.GotoAsync(server.Address.ToString());
        await Expect(page).ToHaveURLAsync(new Regex($"/wall/{op}$"), Patient);
    }

    [Fact]
    public async Task two_walls_on_two_silos_of_one_cluster_both_see_a_report()
    {
        var connectionString = await Database("wall-cluster");
        var cluster = $"wall-{Guid.NewGuid():N}";
        await using var a = await InProcessServer.StartAsync(connectionString, cluster);
        await using var b = await InProcessServer.StartAsync(connectionString, cluster);
        var op = await Field.DefineOperation(a.Http);
        await using var context = await browser.Browser.NewContextAsync();
        var wallOnA = await WallPage.OpenAsync(context, a.Address, op, TestAuth.Token(Roles.Wall));
        var wallOnB = await WallPage.OpenAsync(context, b.Address, op, TestAuth.Token(Roles.Commander));

        var lead = b.Client(TestAuth.Token(Roles.TeamLead, "MK-RAID-01"));
        await Field.Report(lead, op, "MK-RAID-01", new { status = "Briefed", women = 5, arrested = 2 });
        await Field.Report(lead, op, "MK-RAID-01", new { status = "EnRoute", children = 1 });

        // Each wall receives it from its own silo, whichever silo took the report.
        foreach (var wall in new[] { wallOnA, wallOnB })
        {
            await wall.ExpectTotals(1, 5, 0, 2);
            await Expect(wall.Card("MK-RAID-01").Locator(".status")).ToHaveTextAsync("En Route");
            Assert.Empty(wall.Watched.Errors);
        }
    }

    [Fact]
    public async Task after_the_server_restarts_the_wall_says_it_is_stale_then_recovers_with_the_correct_totals()
    {
        var connectionString = await Database("wall-restart");
        var port = Ports.Free();
        var first = await InProcessServer.StartAsync(connectionString, null, configure: null, "--urls", $"http://127.0.0.1:{port}");
        var op = await Field.DefineOperation(first.Http);
        await Field.Report(first.Http, op, "AR-RAID-01", new { status = "Briefed", children = 2 });
        await using var context = await browser.Browser.NewContextAsync();
        var wall = await WallPage.OpenAsync(context, first.Address, op, TestAuth.Token(Roles.Wall));
        await wall.ExpectTotals(2, 0, 0, 0);

        await first.DisposeAsync();
        await Expect(wall.Page.Locator("body")).ToHaveClassAsync(new Regex(@"\bstale\b"), new() { Timeout = WallPage.Ms(WallPage.Patience) });
        await Expect(wall.Page.Locator("#conn-text")).ToContainTextAsync("STALE", PatientText);
        await Expect(wall.Page.Locator("#conn-detail")).ToContainTextAsync("since", PatientText);

        await using var second = await InProcessServer.StartAsync(connectionString, null, configure: null, "--urls", $"http://127.0.0.1:{port}");
        // Reports made while the wall was away arrive in its fresh snapshot, later ones as deltas.
        await Field.Report(second.Http, op, "MK-RAID-02", new { status = "Briefed", women = 3, arrested = 1 });
        await wall.WaitLive();
        await Field.Report(second.Http, op, "MK-RAID-02", new { status = "EnRoute", men = 4 });

        await wall.ExpectTotals(2, 3, 4, 1);
        await wall.ExpectAtHead(second.Http, op);
        Assert.Empty(wall.Watched.UnexpectedErrors("ERR_CONNECTION_REFUSED", "WebSocket", "Failed to load resource", "negotiat"));
    }

    [Fact]
    public async Task a_team_that_stops_checking_in_is_flagged_overdue_and_cleared_by_its_next_report()
    {
        await using var server = await InProcessServer.StartAsync(await Database("wall-overdue"), null, configure: null,
            "--Silo:CheckInInterval=00:00:03", "--Silo:CheckInScan=00:00:01");
        var op = await Field.DefineOperation(server.Http);
        await using var context = await browser.Browser.NewContextAsync();
        var wall = await WallPage.OpenAsync(context, server.Address, op, TestAuth.Token(Roles.Wall));

        await Field.Report(server.Http, op, "AR-BCP-01", new { status = "Briefed" });
        var card = wall.Card("AR-BCP-01");
        await Expect(card).ToHaveClassAsync(new Regex(@"\boverdue\b"), new() { Timeout = WallPage.Ms(WallPage.Patience) });
        await Expect(card).ToContainTextAsync("OVERDUE");
        await wall.ExpectTotal("t-overdue", 1);
        await Expect(wall.Page.Locator("#overdue-names")).ToHaveTextAsync("Gate 1");
        await Expect(wall.Ticker.Locator("li.overdue").First).ToContainTextAsync("CHECK-IN OVERDUE");

        await Field.Report(server.Http, op, "AR-BCP-01", new { status = "EnRoute" });
        await Expect(card).Not.ToHaveClassAsync(new Regex(@"\boverdue\b"), new() { Timeout = WallPage.Ms(WallPage.Patience) });
        await wall.ExpectTotal("t-overdue", 0);
        Assert.Empty(wall.Watched.Errors);
    }

    [Fact]
    public async Task a_note_with_markup_is_shown_literally()
    {
        await using var server = await InProcessServer.StartAsync(await Database("wall-note"));
        var op = await Field.DefineOperation(server.Http);
        await using var context = await browser.Browser.NewContextAsync();
        var wall = await WallPage.OpenAsync(context, server.Address, op, TestAuth.Token(Roles.Wall));
        const string note = "<img src=x onerror=\"document.title='owned'\"><b>bold</b> & <script>alert(1)</script>";

        await Field.Report(server.Http, op, "MK-RAID-01", new { status = "Briefed", note });

        var shown = wall.Ticker.Locator("li").First.Locator(".note");
        await Expect(shown).ToHaveTextAsync($"“{note}”");
        await Expect(wall.Ticker.Locator("img, b, script")).ToHaveCountAsync(0);
        Assert.NotEqual("owned", await wall.Page.TitleAsync());
        Assert.Empty(wall.Watched.Errors);
    }

    [Fact]
    public async Task a_wall_whose_connection_stops_delivering_says_stale_within_10_seconds_and_keeps_counting_then_recovers()
    {
        await using var server = await InProcessServer.StartAsync(await Database("wall-held"));
        var op = await Field.DefineOperation(server.Http);
        await Field.Report(server.Http, op, "AR-RAID-01", new { status = "Briefed", children = 2 });
        // The wall reaches the server only through a relay that can hold its bytes without closing anything: a proxy
        // that stops forwarding, or a server frozen with SIGSTOP, as the wall sees it.
        await using var relay = new HoldingRelay(server.Address);
        await using var context = await browser.Browser.NewContextAsync();
        var wall = await WallPage.OpenAsync(context, relay.Address, op, TestAuth.Token(Roles.Wall));
        await wall.ExpectTotals(2, 0, 0, 0);

        relay.Hold();
        var held = DateTime.UtcNow;
        await Field.Report(server.Http, op, "MK-RAID-02", new { status = "Briefed", women = 3, arrested = 1 });
        await Expect(wall.Page.Locator("#conn-text")).ToContainTextAsync("STALE", new() { Timeout = 10_000 });
        Assert.True(DateTime.UtcNow - held < TimeSpan.FromSeconds(10), $"STALE after {DateTime.UtcNow - held}");
        // The line counts the silence in seconds, and goes on counting.
        var detail = wall.Page.Locator("#conn-detail");
        await Expect(detail).ToContainTextAsync(new Regex(@"since \d\d:\d\d:\d\d UTC \(\d+ seconds? ago\)"));
        var first = await detail.TextContentAsync();
        await Expect(detail).Not.ToHaveTextAsync(first!, new() { Timeout = 5_000 });
        await wall.Page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts.Directory, "wall-stale.png") });

        relay.Release();
        await wall.WaitLive();
        await Field.Report(server.Http, op, "MK-RAID-02", new { status = "EnRoute", men = 4 });
        await wall.ExpectTotals(2, 3, 4, 1);
        await wall.ExpectAtHead(server.Http, op);
        Assert.Empty(wall.Watched.UnexpectedErrors("WebSocket", "Failed to load resource", "negotiat", "ERR_"));
    }

    [Fact]
    public async Task an_exercise_on_a_compressed_clock_shows_its_day_its_times_and_its_check_in_ages_on_that_clock()
    {
        await using var server = await InProcessServer.StartAsync(await Database("wall-exercise"));
        // 5 real minutes in at 600x: 50 hours, day 3 of 6.
        var (op, _) = await TestOperations.DefineExerciseAsync(server.Http, 600, TimeSpan.FromMinutes(5));
        var ack = await Field.Report(server.Http, op, "AR-RAID-01", new { status = "Briefed", children = 2 });

        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 } });
        var wall = await WallPage.OpenAsync(context, server.Address, op, TestAuth.Token(Roles.Wall));
        await Expect(wall.Page.Locator("#clock-day")).ToHaveTextAsync("Day 3 of 6");
        await Expect(wall.Page.Locator("#exercise-badge")).ToContainTextAsync("CLOCK 600× REAL TIME");
        // The ticker gives the report's time on the exercise's clock, as the server stamped it.
        await Expect(wall.Ticker.Locator($"li[data-seq='{ack.Seq}'] .time")).ToHaveTextAsync(ack.ServerTime.UtcDateTime.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));

        // The wall's clock runs ten minutes a second.
        static TimeSpan Clock(string text) => TimeSpan.Parse(text.Replace(" UTC", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        var first = Clock((await wall.Page.Locator("#clock-time").TextContentAsync())!);
        await wall.Page.WaitForTimeoutAsync(2500);
        var second = Clock((await wall.Page.Locator("#clock-time").TextContentAsync())!);
        var moved = (second - first + TimeSpan.FromDays(1)).TotalMinutes % (24 * 60);
        Assert.InRange(moved, 15, 120);   // 25 minutes in 2.5 s, give or take a busy machine's delays

        // Silent for 30 minutes of the exercise (3 real seconds): flagged, and the card counts the silence on that clock.
        await Expect(wall.Card("AR-RAID-01")).ToContainTextAsync("OVERDUE", PatientText);
        await Expect(wall.Card("AR-RAID-01")).ToContainTextAsync(new Regex(@"silent (\d+ hr, \d+ min|[3-9]\d min)"), PatientText);
        await wall.Page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts.Directory, "wall-exercise.png") });
        Assert.Empty(wall.Watched.Errors);

        // The team lead's phone says it is an exercise and counts the report's age on the exercise's clock too.
        await using var phone = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true });
        var field = await WatchedPage.OpenAsync(phone, new Uri(server.Address, $"/field/{op}#token={TestAuth.Token(Roles.TeamLead, "AR-RAID-01")}").ToString());
        await Expect(field.Page.Locator("#exercise")).ToContainTextAsync("EXERCISE · clock 600× real time", PatientText);
        await Expect(field.Page.Locator("#team-seen")).ToContainTextAsync(new Regex(@"^last report (\d+ hr, \d+ min|[3-9]\d minutes|\d+ hours?) ago$"), PatientText);
        Assert.Empty(field.Errors);
    }

    [Fact]
    public async Task without_a_credential_the_wall_asks_for_one_and_refuses_a_team_lead()
    {
        await using var server = await InProcessServer.StartAsync(await Database("wall-signin"));
        var op = await Field.DefineOperation(server.Http);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(server.Address, $"/wall/{op}").ToString());
        await Expect(page.Locator("#overlay")).ToBeVisibleAsync();

        // A team lead may report but not watch the whole operation: the wall says so and asks again.
        await page.FillAsync("#token-input", TestAuth.Token(Roles.TeamLead, "AR-RAID-01"));
        await page.ClickAsync("#signin-form button");
        await Expect(page.Locator("#signin-error")).ToContainTextAsync("may not", PatientText);
        // In words a wall operator reads, with one period.
        await Expect(page.Locator("#signin-error")).ToContainTextAsync("needs a wall, command-staff or admin credential");
        Assert.DoesNotContain("..", await page.Locator("#signin-error").TextContentAsync(), StringComparison.Ordinal);
        await Expect(page.Locator("body")).ToHaveClassAsync(new Regex(@"\bsigned-out\b"));

        await page.FillAsync("#token-input", TestAuth.Token(Roles.Wall));
        await page.ClickAsync("#signin-form button");
        await new WallPage(WatchedPage.Watch(page)).WaitLive();
        await Expect(page.Locator("#overlay")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task the_liberterra_ii_wall_with_a_day_of_reports_is_saved_as_a_screenshot()
    {
        await using var server = await InProcessServer.StartAsync(await Database("wall-scenario"));
        var op = await Field.LoadScenario(server.Http, Path.Combine(AppContext.BaseDirectory, "scenarios", "liberterra-ii.json"));
        await ScenarioReports.PlayAsync(server.Http, op, seed: 2024);
        var truth = await Field.Operation(server.Http, op);

        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1920, Height = 1080 } });
        var wall = await WallPage.OpenAsync(context, server.Address, op, TestAuth.Token(Roles.Wall));
        await wall.ExpectTotals(truth.Totals.Children, truth.Totals.Women, truth.Totals.Men, truth.Totals.Arrested);
        await wall.ExpectTotal("t-active", truth.TeamsActive);
        await wall.ExpectTotal("t-completed", truth.RaidsCompleted);
        await Expect(wall.Page.Locator("#sparks .spark")).ToHaveCountAsync(truth.Regions.Count);
        await Expect(wall.Page.Locator("#ticker li")).ToHaveCountAsync(40);
        await Expect(wall.Page.Locator("#map path.land")).ToHaveCountAsync(1);
        await wall.Page.WaitForTimeoutAsync(1200);   // let the count-up animations finish before the picture

        var file = Path.Combine(Artifacts.Directory, "wall-liberterra-ii.png");
        await wall.Page.ScreenshotAsync(new() { Path = file });
        Assert.True(new FileInfo(file).Length > 50_000, "the screenshot is a real picture of the wall");

        // Every card of every page of the board shows its lines whole at 1920x1080 (status, region, check-in age and
        // totals), in the board's order: overdue first, then active, then by the name shown. The ticker's names too.
        // One synchronous pass over the pages, so that the board's own paging timer cannot interleave.
        const string walkBoard = """
            () => { const w = window.liberterraWall, out = { Cut: [], Cards: [] };
                    for (let p = 0; p < w.boardPages(); p++) {
                      w.showBoardPage(p);
                      for (const e of document.querySelectorAll('#board .card > *, #ticker .who'))
                        if (e.scrollWidth > e.clientWidth + 1) out.Cut.push(e.textContent);
                      for (const c of document.querySelectorAll('#board .card'))
                        out.Cards.push([c.querySelector('.name').textContent, c.querySelector('.meta').textContent]);
                    }
                    return out; }
            """;
        var board = await wall.Page.EvaluateAsync<System.Text.Json.JsonElement>(walkBoard);
        Assert.Empty(board.GetProperty("Cut").EnumerateArray().Select(e => e.GetString()));
        var shown = board.GetProperty("Cards").EnumerateArray().Select(c => (Name: c[0].GetString()!, Meta: c[1].GetString()!)).ToList();
        Assert.Equal(truth.Teams.Count, shown.Count);
        Assert.All(shown, c => Assert.Matches(@"checked in|no report yet|OVERDUE · (silent|never)", c.Meta));
        var rank = truth.Teams.ToDictionary(t => t.CallSign, t => t.OverdueSince is not null ? 0
            : t.Status is "Briefed" or "EnRoute" or "OnSite" or "Engaged" or "Extracting" or "Holding" ? 1 : t.Status == "Completed" ? 2 : 3);
        var expected = truth.Teams.OrderBy(t => rank[t.CallSign]).ThenBy(t => t.CallSign, StringComparer.Create(System.Globalization.CultureInfo.InvariantCulture, true)).Select(t => t.CallSign);
        Assert.Equal(expected, shown.Select(c => c.Name));

        // No two hotspot labels overlap on the map; the biggest hotspots keep theirs.
        var overlapping = await wall.Page.EvaluateAsync<string[]>("""
            () => { const ls = [...document.querySelectorAll('#map .region-label')]
                      .filter(l => l.textContent && l.getAttribute('visibility') !== 'hidden')
                      .map(l => ({ t: l.textContent, b: l.getBoundingClientRect() }));
                    const out = [];
                    for (let i = 0; i < ls.length; i++) for (let j = i + 1; j < ls.length; j++) {
                      const a = ls[i].b, c = ls[j].b;
                      if (a.left < c.right && c.left < a.right && a.top < c.bottom && c.top < a.bottom) out.push(ls[i].t + " / " + ls[j].t);
                    }
                    return out; }
            """);
        Assert.Empty(overlapping);
        var biggest = truth.Regions.MaxBy(r => r.Totals.Rescued)!;
        var biggestLabel = wall.Page.Locator($"#map .region-label[data-region='{biggest.Id}']");
        await Expect(biggestLabel).ToContainTextAsync(biggest.CountryCode ?? biggest.Id);
        await Expect(biggestLabel).Not.ToHaveAttributeAsync("visibility", "hidden");

        // At a laptop's sizes too, every card shows its lines whole; and the longest lines a card can hold (a week-old
        // check-in, four-figure totals, the longest hotspot name) fit at every size.
        var longestRegion = truth.Regions.MaxBy(r => r.Name.Length)!.Name;
        var worst = $$"""
            () => { const c = document.querySelector('#board .card'), out = [];
                    const lines = { '.region': '{{longestRegion}}', '.meta': 'checked in 47 h 59 min ago', '.figures': '9,999 rescued · 9,999 arrested' };
                    for (const [sel, text] of Object.entries(lines)) { const e = c.querySelector(sel); e.textContent = text; if (e.scrollWidth > e.clientWidth + 1) out.push(text); }
                    const m = c.querySelector('.meta'); m.textContent = 'OVERDUE · silent 47 hr, 59 min'; c.classList.add('overdue');
                    if (m.scrollWidth > m.clientWidth + 1) out.push(m.textContent);
                    window.liberterraWall.showBoardPage(0);
                    return out; }
            """;
        Assert.Empty(await wall.Page.EvaluateAsync<string[]>(worst));
        foreach (var (width, height) in new[] { (1600, 900), (1366, 768) })
        {
            await wall.Page.SetViewportSizeAsync(width, height);
            await wall.Page.WaitForTimeoutAsync(500);   // the board lays itself out again on resize
            var laptop = await wall.Page.EvaluateAsync<System.Text.Json.JsonElement>(walkBoard);
            Assert.Empty(laptop.GetProperty("Cut").EnumerateArray().Select(e => $"{width}x{height}: {e.GetString()}"));
            Assert.Equal(truth.Teams.Count, laptop.GetProperty("Cards").GetArrayLength());
            Assert.Empty((await wall.Page.EvaluateAsync<string[]>(worst)).Select(t => $"{width}x{height}: {t}"));
            await wall.Page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts.Directory, $"wall-liberterra-ii-{width}.png") });
        }

        Assert.Empty(wall.Watched.Errors);
    }
}

/// <summary>Where tests leave files worth looking at: <c>artifacts/</c> at the top of the repository (git-ignored).</summary>
internal static class Artifacts
{
    public static string Directory
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("LIBERTERRA_ARTIFACTS") ?? Path.Combine(Repository.Root, "artifacts");
            System.IO.Directory.CreateDirectory(dir);
            return dir;
        }
    }
}
