using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Liberterra.Command.Browser.Tests;

/// <summary>The field page on a phone-sized Chromium against the real server.</summary>
[Collection(BrowserCollection.Name)]
public class FieldTests(BrowserFixture browser)
{
    private static readonly float Patience = WallPage.Ms(WallPage.Patience);

    private static async Task<string> Database(string name) =>
        await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync(name);

    private Task<IBrowserContext> Phone() => browser.Browser.NewContextAsync(new()
    {
        ViewportSize = new() { Width = 390, Height = 844 },
        DeviceScaleFactor = 2,
        IsMobile = true,
        HasTouch = true,
    });

    private static async Task<WatchedPage> OpenField(IBrowserContext phone, Uri server, string op, string token)
    {
        var page = await WatchedPage.OpenAsync(phone, new Uri(server, $"/field/{op}#token={token}").ToString());
        await Expect(page.Page.Locator("#team-title")).ToContainTextAsync("Condor 1", new() { Timeout = Patience });
        return page;
    }

    private static async Task Step(IPage page, string field, int times)
    {
        for (var i = 0; i < times; i++) await page.ClickAsync($".stepper[data-field='{field}'] .plus");
    }

    // As of the operation's head: the team's view (updated one-way) catches up first if it is behind.
    private static async Task<TeamView> Team(HttpClient http, string op, string team)
    {
        var head = (await http.GetFromJsonAsync<OperationView>($"/api/operations/{op}", Field.Json))!.LastSeq;
        return (await http.GetFromJsonAsync<TeamView>($"/api/operations/{op}/teams/{team}?minSeq={head}", Field.Json))!;
    }

    [Fact]
    public async Task a_report_from_the_phone_reaches_the_api_and_the_wall_and_can_be_corrected()
    {
        await using var server = await InProcessServer.StartAsync(await Database("field-report"));
        var op = await Field.DefineOperation(server.Http);
        await using var desk = await browser.Browser.NewContextAsync();
        var wall = await WallPage.OpenAsync(desk, server.Address, op, TestAuth.Token(Roles.Wall));
        await using var phone = await Phone();
        var field = await OpenField(phone, server.Address, op, TestAuth.Token(Roles.TeamLead, "AR-RAID-01"));
        var page = field.Page;

        // Only the statuses allowed next are offered (plus restating the current one: a check-in).
        await Expect(page.Locator("#status-buttons button")).ToHaveTextAsync(["Check in (Standby)", "Briefed", "Holding", "Aborted"]);
        await page.ClickAsync("#status-buttons button[data-status='Briefed']");
        await Step(page, "children", 2);
        await Step(page, "women", 1);
        await page.ClickAsync("#types input[value='ForcedLabour']");
        await page.FillAsync("#note", "Two girls found in the packing shed");
        await page.ClickAsync("#send");

        var sent = page.Locator("#outbox li").First;
        await Expect(sent).ToHaveClassAsync(new Regex(@"\backnowledged\b"), new() { Timeout = Patience });
        await Expect(sent.Locator(".state")).ToHaveTextAsync("acknowledged #2");
        var team = await Team(server.Http, op, "AR-RAID-01");
        Assert.Equal("Briefed", team.Status);
        Assert.Equal(new TotalsView(2, 1, 0, 3, 0), team.Totals);
        Assert.Equal(["ForcedLabour"], team.ExploitationFound);
        await wall.ExpectTotals(2, 1, 0, 0);
        await Expect(page.Locator("#team-status")).ToHaveTextAsync("Briefed");
        await Expect(page.Locator("#status-buttons button")).ToHaveTextAsync(["Check in (Briefed)", "En Route", "Standby", "Holding", "Aborted"]);

        // One child was counted twice: a correction with a reason; the history keeps both.
        await sent.Locator("button", new() { HasText = "Correct" }).ClickAsync();
        await page.FillAsync("#corr-children", "-1");
        await page.FillAsync("#corr-reason", "counted twice");
        await page.ClickAsync("#correction-form button[type='submit']");
        await Expect(page.Locator("#outbox li").First.Locator(".state")).ToHaveTextAsync("acknowledged #3", new() { Timeout = Patience });
        Assert.Equal(1, (await Team(server.Http, op, "AR-RAID-01")).Totals.Children);
        var history = await server.Http.GetFromJsonAsync<TeamReportsPage>($"/api/operations/{op}/teams/AR-RAID-01/reports", Field.Json);
        Assert.Equal(["FieldReported", "ReportCorrected"], history!.Reports.Select(r => r.Kind));
        Assert.Equal("counted twice", history.Reports[1].Reason);
        await wall.ExpectTotals(1, 1, 0, 0);
        Assert.Empty(field.Errors);
    }

    [Fact]
    public async Task reports_made_offline_are_queued_survive_a_reload_and_are_acknowledged_exactly_once()
    {
        await using var server = await InProcessServer.StartAsync(await Database("field-offline"));
        var op = await Field.DefineOperation(server.Http);
        await using var phone = await Phone();
        var field = await OpenField(phone, server.Address, op, TestAuth.Token(Roles.TeamLead, "AR-RAID-01"));
        var page = field.Page;
        // The service worker has stored the page's files and controls the page.
        await page.WaitForFunctionAsync("() => navigator.serviceWorker.controller !== null", null, new() { Timeout = Patience });

        await phone.SetOfflineAsync(true);
        var reports = new (string Status, string? Field, int Count)[] { ("Briefed", null, 0), ("EnRoute", "women", 1), ("OnSite", "men", 2) };
        foreach (var (status, countField, count) in reports)
        {
            await page.ClickAsync($"#status-buttons button[data-status='{status}']");
            if (countField is not null) await Step(page, countField, count);
            await page.ClickAsync("#send");
            await Expect(page.Locator("#outbox li").First).ToHaveClassAsync(new Regex(@"\bqueued\b"));
        }

        await Expect(page.Locator("#outbox li.queued")).ToHaveCountAsync(3);
        await Expect(page.Locator("#net")).ToHaveTextAsync("Offline · 3 queued");
        await Expect(page.Locator("#team-status")).ToHaveTextAsync("On Site (queued)");
        Assert.Equal(1, (await Field.Operation(server.Http, op)).LastSeq);      // nothing reached the server

        // Closing and reopening the page with no network: the service worker serves it, the queue is still there.
        await page.ReloadAsync();
        await Expect(page.Locator("#outbox li.queued")).ToHaveCountAsync(3, new() { Timeout = Patience });
        Assert.True(await page.EvaluateAsync<bool>("() => navigator.serviceWorker.controller !== null"));

        await phone.SetOfflineAsync(false);
        await Expect(page.Locator("#outbox li.acknowledged")).ToHaveCountAsync(3, new() { Timeout = Patience });
        await Expect(page.Locator("#net")).ToHaveTextAsync("Online · all sent");
        await Expect(page.Locator("#outbox li .state")).ToHaveTextAsync(["acknowledged #4", "acknowledged #3", "acknowledged #2"]);

        // Exactly once each, in the order they were made.
        var team = await Team(server.Http, op, "AR-RAID-01");
        Assert.Equal("OnSite", team.Status);
        Assert.Equal(3, team.ReportCount);
        Assert.Equal(new TotalsView(0, 1, 2, 3, 0), team.Totals);
        Assert.Equal(4, (await Field.Operation(server.Http, op)).LastSeq);
        Assert.Empty(field.UnexpectedErrors("ERR_INTERNET_DISCONNECTED", "Failed to load resource", "Failed to fetch"));
    }

    [Fact]
    public async Task an_illegal_transition_is_explained_next_to_the_status_and_the_report_is_kept_to_fix()
    {
        await using var server = await InProcessServer.StartAsync(await Database("field-illegal"));
        var op = await Field.DefineOperation(server.Http);
        await using var phone = await Phone();
        var field = await OpenField(phone, server.Address, op, TestAuth.Token(Roles.TeamLead, "AR-RAID-01"));
        var page = field.Page;

        // Meanwhile another device of the team moved it on: the page still believes Standby.
        await Field.Report(server.Http, op, "AR-RAID-01", new { status = "Briefed" });
        await Field.Report(server.Http, op, "AR-RAID-01", new { status = "EnRoute" });

        await page.ClickAsync("#status-buttons button[data-status='Briefed']");
        await Step(page, "children", 3);
        await page.ClickAsync("#send");

        await Expect(page.Locator("#outbox li").First).ToHaveClassAsync(new Regex(@"\brejected\b"), new() { Timeout = Patience });
        await Expect(page.Locator("[data-for='status']").First).ToContainTextAsync("cannot move to Briefed");
        // The refusal's sentence once, next to the status, in the buttons' words (not "EnRoute", "OnSite").
        await Expect(page.Locator("[data-for='status']").First).ToContainTextAsync("Allowed next: On Site, Holding, or Aborted");
        await Expect(page.Locator("#form-error")).ToBeEmptyAsync();
        var text = await page.Locator("body").InnerTextAsync();
        Assert.Single(Regex.Matches(text, "cannot move to Briefed"));
        Assert.DoesNotMatch(@"\bEnRoute\b|\bOnSite\b", text);
        // Kept for correction: the counts are still in the form, nothing was stored.
        await Expect(page.Locator(".stepper[data-field='children'] output")).ToHaveTextAsync("3");
        await Expect(page.Locator("#send")).ToHaveTextAsync("Send again");
        // The header says something waits for the lead, and the outbox counts in words (3 children, 1 would be "1 child").
        await Expect(page.Locator("#net")).ToHaveTextAsync("Online · 1 not accepted");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page is wider than the phone");
        await Expect(page.Locator("#outbox li").First.Locator(".what")).ToContainTextAsync("3 children");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts.Directory, "field-not-accepted.png"), FullPage = true });
        // Fixing it from the outbox brings the form back just below the sticky bar, not under it.
        await page.EvaluateAsync("() => window.scrollTo(0, document.body.scrollHeight)");
        await page.ClickAsync("#outbox li.rejected button:has-text('Fix')");
        await page.WaitForFunctionAsync("""
            () => { const f = document.querySelector('#report-form').getBoundingClientRect();
                    const b = document.querySelector('.bar').getBoundingClientRect();
                    return f.top >= b.bottom && f.top < b.bottom + 40; }
            """, null, new() { Timeout = Patience });
        Assert.Equal(0, (await Team(server.Http, op, "AR-RAID-01")).Totals.Children);

        // The page re-read the team; the lead picks a legal status and sends it again (same key: it was never stored).
        await Expect(page.Locator("#status-now")).ToHaveTextAsync("En Route", new() { Timeout = Patience });
        await page.ClickAsync("#status-buttons button[data-status='OnSite']");
        await page.ClickAsync("#send");
        await Expect(page.Locator("#outbox li").First.Locator(".state")).ToHaveTextAsync("acknowledged #4", new() { Timeout = Patience });
        await Expect(page.Locator("#outbox li")).ToHaveCountAsync(1);
        await Expect(page.Locator("#net")).ToHaveTextAsync("Online · all sent");
        var team = await Team(server.Http, op, "AR-RAID-01");
        Assert.Equal("OnSite", team.Status);
        Assert.Equal(3, team.Totals.Children);
        Assert.Empty(field.UnexpectedErrors("409"));
    }

    [Fact]
    public async Task a_lost_re_read_never_leaves_an_old_status_and_the_page_reads_the_team_again_when_the_network_returns()
    {
        await using var server = await InProcessServer.StartAsync(await Database("field-reread"));
        var op = await Field.DefineOperation(server.Http);
        await using var phone = await Phone();
        var field = await OpenField(phone, server.Address, op, TestAuth.Token(Roles.TeamLead, "AR-RAID-01"));
        var page = field.Page;
        await Expect(page.Locator("#status-now")).ToHaveTextAsync("Standby");

        // Every read of the team is lost from now on; reports still go through.
        Func<string, bool> teamRead = url => new Uri(url).AbsolutePath == $"/api/operations/{op}/teams/AR-RAID-01";
        await page.RouteAsync(teamRead, route => route.Request.Method == "GET" ? route.AbortAsync() : route.ContinueAsync());
        await page.ClickAsync("#status-buttons button[data-status='Briefed']");
        await page.ClickAsync("#send");
        await Expect(page.Locator("#outbox li").First.Locator(".state")).ToHaveTextAsync("acknowledged #2", new() { Timeout = Patience });
        // The acknowledgement is newer than the view the page holds: the status and the buttons follow it, not the view.
        await Expect(page.Locator("#status-now")).ToHaveTextAsync("Briefed");
        await Expect(page.Locator("#status-buttons button")).ToHaveTextAsync(["Check in (Briefed)", "En Route", "Standby", "Holding", "Aborted"]);

        // Meanwhile another device of the team moves it on and reports rescues.
        await Field.Report(server.Http, op, "AR-RAID-01", new { status = "EnRoute", children = 4 });

        // The network comes back (the page was offline a moment): it reads the team again, nothing being queued.
        await page.UnrouteAsync(teamRead);
        await phone.SetOfflineAsync(true);
        await phone.SetOfflineAsync(false);
        await Expect(page.Locator("#status-now")).ToHaveTextAsync("En Route", new() { Timeout = 5_000 });
        await Expect(page.Locator("#status-buttons button").First).ToHaveTextAsync("Check in (En Route)");
        await Expect(page.Locator("#team-totals")).ToContainTextAsync("children 4");
        Assert.Empty(field.UnexpectedErrors("Failed to load resource", "Failed to fetch", "ERR_FAILED", "ERR_INTERNET_DISCONNECTED"));
    }

    [Fact]
    public async Task an_expired_sign_in_is_said_plainly_and_a_wall_credential_is_not_accepted()
    {
        await using var server = await InProcessServer.StartAsync(await Database("field-signin"));
        var op = await Field.DefineOperation(server.Http);
        await using var phone = await Phone();
        var expired = TestAuth.Token(Roles.TeamLead, "lead-7", ["AR-RAID-01"], null, TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow.AddHours(-1));
        var page = (await WatchedPage.OpenAsync(phone, new Uri(server.Address, $"/field/{op}#token={expired}").ToString())).Page;

        await Expect(page.Locator("#signin")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-for='token']")).ToContainTextAsync("expired");

        await page.FillAsync("#signin-token", TestAuth.Token(Roles.Wall));
        await page.ClickAsync("#signin-form button");
        await Expect(page.Locator("[data-for='token']")).ToContainTextAsync("not a team lead's");

        await page.FillAsync("#signin-token", TestAuth.Token(Roles.TeamLead, "AR-RAID-01"));
        await page.ClickAsync("#signin-form button");
        await Expect(page.Locator("#team-title")).ToContainTextAsync("Condor 1", new() { Timeout = Patience });
    }
}
