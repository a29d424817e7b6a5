using System.Net;
using System.Text.RegularExpressions;
using Liberterra.Command.Access;
using Liberterra.Command.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Liberterra.Command.Browser.Tests;

/// <summary>The Orleans dashboard at /dashboard: admins only, signed in from /dashboard.html.</summary>
[Collection(BrowserCollection.Name)]
public class DashboardTests(BrowserFixture browser)
{
    [Fact]
    public async Task an_admin_signs_in_and_the_dashboard_shows_the_cluster_and_nobody_else_gets_in()
    {
        await using var server = await InProcessServer.StartAsync(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("dashboard"));
        using (var anonymous = new HttpClient { BaseAddress = server.Address })
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/dashboard/ClusterStats")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Client(TestAuth.Token(Roles.Commander)).GetAsync("/dashboard/ClusterStats")).StatusCode);

        await using var context = await browser.Browser.NewContextAsync();
        // A commander's credential is refused in plain words, and no cookie is set.
        var page = await WatchedPage.OpenAsync(context, new Uri(server.Address, $"/dashboard.html#token={TestAuth.Token(Roles.Commander)}").ToString());
        await page.Page.ClickAsync("button[type=submit]");
        await Expect(page.Page.Locator("#message")).ToHaveTextAsync("This credential is not an administrator's.");
        Assert.Empty(await context.CookiesAsync());

        // An admin's opens the dashboard, whose own requests then carry the cookie.
        await page.Page.FillAsync("#token", TestAuth.Token(Roles.Admin));
        var counters = page.Page.WaitForResponseAsync(r => r.Url.Contains("/dashboard/DashboardCounters", StringComparison.Ordinal) && r.Status == 200);
        await page.Page.ClickAsync("button[type=submit]");
        await Expect(page.Page).ToHaveURLAsync(new Regex("/dashboard/$"));
        await counters;
        var cookie = Assert.Single(await context.CookiesAsync());
        Assert.Equal("/dashboard", cookie.Path);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        // The dashboard's overview, filled from the cluster through the cookie: one active silo, and grain calls counted.
        await Expect(page.Page.Locator("body")).ToContainTextAsync(new Regex(@"Active Silos\s*1(?!\d)"), new() { Timeout = 20_000 });
        await Expect(page.Page.Locator("body")).ToContainTextAsync("GetCounters", new() { Timeout = 20_000 });
        Assert.False(page.Errors.Any(e => e.Contains("Content Security Policy", StringComparison.Ordinal)), string.Join("\n", page.Errors));
    }
}
