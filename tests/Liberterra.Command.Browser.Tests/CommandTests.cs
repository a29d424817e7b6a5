using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Liberterra.Command.Browser.Tests;

/// <summary>Command reaches the field, in Chromium: orders on the phone and the wall, a distress call on walls of two silos.</summary>
[Collection(BrowserCollection.Name)]
public class CommandTests(BrowserFixture browser)
{
    private static readonly float Patience = WallPage.Ms(WallPage.Patience);

    private Task<IBrowserContext> Phone() => browser.Browser.NewContextAsync(new()
    {
        ViewportSize = new() { Width = 390, Height = 844 },
        DeviceScaleFactor = 2,
        IsMobile = true,
        HasTouch = true,
    });

    private static async Task<CommandAck> Post(HttpClient http, string path, object? body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body is null ? "" : JsonSerializer.Serialize(body, Field.Json), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var response = await http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<CommandAck>(Field.Json))!;
    }

    private static async Task<WatchedPage> OpenField(IBrowserContext phone, Uri server, string op)
    {
        var page = await WatchedPage.OpenAsync(phone, new Uri(server, $"/field/{op}#token={TestAuth.Token(Roles.TeamLead, "AR-RAID-01")}").ToString());
        await Expect(page.Page.Locator("#team-title")).ToContainTextAsync("Condor 1", new() { Timeout = Patience });
        return page;
    }

    [Fact]
    public async Task an_order_reaches_the_phone_and_the_wall_and_its_acknowledgement_made_offline_counts_once()
    {
        await using var server = await InProcessServer.StartAsync(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("command-order"));
        var op = await Field.DefineOperation(server.Http);
        await using var wallContext = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1920, Height = 1080 } });
        var wall = await WallPage.OpenAsync(wallContext, server.Address, op, TestAuth.Token(Roles.Wall));
        await using var phone = await Phone();
        var field = await OpenField(phone, server.Address, op);
        var page = field.Page;
        await page.WaitForFunctionAsync("() => navigator.serviceWorker.controller !== null", null, new() { Timeout = Patience });

        var commander = server.Client(TestAuth.Token(Roles.Commander));
        var order = await Post(commander, $"/api/operations/{op}/orders",
            new { kind = "Hold", text = "Hold at the staging point until 05:00", teamId = "AR-RAID-01", dueInMinutes = 20 });

        // On the phone, above everything, live; on the wall, awaiting its answer.
        var card = page.Locator($"#orders .order[data-seq='{order.Seq}']");
        await Expect(card).ToBeVisibleAsync(new() { Timeout = Patience });
        await Expect(card.Locator(".kind")).ToHaveTextAsync("Hold");
        await Expect(card.Locator(".text")).ToHaveTextAsync("Hold at the staging point until 05:00");
        var ordersBox = await page.Locator("#orders").BoundingBoxAsync();
        var teamBox = await page.Locator(".card.team").BoundingBoxAsync();
        Assert.True(ordersBox!.Y < teamBox!.Y, "the order is above the team's card");
        var wallRow = wall.Page.Locator($"#orders li[data-seq='{order.Seq}']");
        await Expect(wallRow.Locator(".acks")).ToHaveTextAsync("0/1 ack", new() { Timeout = Patience });
        await page.ScreenshotAsync(new() { Path = Artifacts("field-order.png") });

        // Acknowledged with no network, then the page closed and opened again: one answer reaches the server. Meanwhile
        // command gives a second order, which the page can only learn of when the network returns.
        await phone.SetOfflineAsync(true);
        await card.GetByRole(AriaRole.Button, new() { Name = $"Acknowledge order {order.Seq}" }).ClickAsync();
        await Expect(page.Locator("#outbox li.queued")).ToHaveCountAsync(1);
        var second = await Post(commander, $"/api/operations/{op}/orders", new { kind = "Reposition", text = "Move to the north gate", regionId = "AR" });
        await page.ReloadAsync();
        await Expect(page.Locator("#outbox li.queued")).ToHaveCountAsync(1, new() { Timeout = Patience });
        await Expect(page.Locator($"#orders .order.answered[data-seq='{order.Seq}']")).ToContainTextAsync("Acknowledged (queued)");
        await Expect(page.Locator($"#orders .order[data-seq='{second.Seq}']")).ToHaveCountAsync(0);
        await phone.SetOfflineAsync(false);
        await Expect(page.Locator("#outbox li.acknowledged")).ToHaveCountAsync(1, new() { Timeout = Patience });
        await Expect(wallRow.Locator(".acks")).ToHaveTextAsync("1/1 ack", new() { Timeout = Patience });
        await Expect(wallRow).ToHaveClassAsync(new Regex(@"\bdone\b"));

        // The order given while the page was offline arrives with the network; acknowledged after another reload, once.
        var secondCard = page.Locator($"#orders .order[data-seq='{second.Seq}']:not(.answered)");
        await Expect(secondCard).ToBeVisibleAsync(new() { Timeout = Patience });
        await page.ReloadAsync();
        await secondCard.GetByRole(AriaRole.Button, new() { Name = $"Acknowledge order {second.Seq}" }).ClickAsync(new() { Timeout = Patience });
        await Expect(page.Locator("#outbox li.acknowledged")).ToHaveCountAsync(2, new() { Timeout = Patience });
        await Expect(wall.Page.Locator($"#orders li[data-seq='{second.Seq}'] .acks")).ToHaveTextAsync("1/2 ack", new() { Timeout = Patience });

        var orders = (await server.Http.GetFromJsonAsync<OrderView[]>($"/api/operations/{op}/orders", Field.Json))!;
        Assert.Single(orders.Single(o => o.Seq == order.Seq).Answers);
        Assert.Equal(["AR-RAID-01"], orders.Single(o => o.Seq == second.Seq).Answers.Select(a => a.TeamId));
        var page1 = (await server.Http.GetFromJsonAsync<TimelinePage>($"/api/operations/{op}/timeline", Field.Json))!;
        Assert.Equal(2, page1.Events.Count(e => e.Kind == "OrderAnswered"));
        Assert.Empty(field.UnexpectedErrors("ERR_INTERNET_DISCONNECTED", "Failed to load resource", "Failed to fetch", "WebSocket"));
        Assert.Empty(wall.Watched.Errors);
    }

    [Fact]
    public async Task a_distress_from_the_phone_alarms_walls_on_two_silos_until_a_commander_takes_it()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("command-distress");
        var cluster = $"distress-{Guid.NewGuid():N}";
        await using var a = await InProcessServer.StartAsync(connectionString, cluster);
        await using var b = await InProcessServer.StartAsync(connectionString, cluster);
        var op = await Field.DefineOperation(a.Http);
        await using var wallContext = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1920, Height = 1080 } });
        var wallOnA = await WallPage.OpenAsync(wallContext, a.Address, op, TestAuth.Token(Roles.Wall));
        var wallOnB = await WallPage.OpenAsync(wallContext, b.Address, op, TestAuth.Token(Roles.Wall));
        await using var phone = await Phone();
        var field = await OpenField(phone, b.Address, op);
        var page = field.Page;

        // A tap is not a distress call: it takes two seconds of holding.
        await page.Locator("#distress").ClickAsync();
        await page.WaitForTimeoutAsync(500);
        Assert.Equal(0, await page.Locator("#outbox li").Filter(new() { HasText = "DISTRESS" }).CountAsync());
        var box = (await page.Locator("#distress").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
        await page.Mouse.DownAsync();
        await page.WaitForTimeoutAsync(2300);
        await page.Mouse.UpAsync();

        foreach (var wall in new[] { wallOnA, wallOnB })
        {
            await Expect(wall.Page.Locator("#alarm")).ToBeVisibleAsync(new() { Timeout = Patience });
            await Expect(wall.Page.Locator("#alarm .call b")).ToHaveTextAsync("DISTRESS · Condor 1");
            await Expect(wall.Page.Locator("#alarm-sound")).ToBeVisibleAsync();   // says a click is needed for sound
        }

        await Expect(page.Locator("#distress-state")).ToContainTextAsync("DISTRESS SENT", new() { Timeout = Patience });
        await wallOnA.Page.ScreenshotAsync(new() { Path = Artifacts("wall-distress.png") });

        // A commander takes it on the command page (on silo A); both walls clear, and the phone says command has it.
        await using var desk = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 } });
        var command = await WatchedPage.OpenAsync(desk, new Uri(a.Address, $"/command/{op}#token={TestAuth.Token(Roles.Commander)}").ToString());
        var take = command.Page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Take distress call") });
        await take.ClickAsync(new() { Timeout = Patience });
        foreach (var wall in new[] { wallOnA, wallOnB })
            await Expect(wall.Page.Locator("#alarm")).ToBeHiddenAsync(new() { Timeout = Patience });
        await Expect(page.Locator("#distress-state")).ToContainTextAsync("COMMAND HAS TAKEN YOUR DISTRESS CALL", new() { Timeout = Patience });
        await Expect(command.Page.Locator("#calls li").First).ToContainTextAsync("taken by", new() { Timeout = Patience });

        // Then an order from the command page's form to every team: it is listed there and reaches the phone.
        await command.Page.SelectOptionAsync("#order-target", "all");
        await command.Page.SelectOptionAsync("#order-kind", "Proceed");
        await command.Page.FillAsync("#order-due", "15");
        await command.Page.FillAsync("#order-text", "Extraction team on its way: proceed to the north gate");
        await command.Page.ClickAsync("#order-send");
        await Expect(command.Page.Locator("#orders tr").First).ToContainTextAsync("Extraction team on its way", new() { Timeout = Patience });
        await Expect(command.Page.Locator("#orders tr").First.Locator(".answer")).ToHaveCountAsync(4);
        await Expect(page.Locator("#orders .order .text").First).ToHaveTextAsync("Extraction team on its way: proceed to the north gate", new() { Timeout = Patience });
        await command.Page.ScreenshotAsync(new() { Path = Artifacts("command.png"), FullPage = true });
        await page.ScreenshotAsync(new() { Path = Artifacts("field-distress-taken.png") });

        var calls = (await a.Http.GetFromJsonAsync<DistressView[]>($"/api/operations/{op}/distress", Field.Json))!;
        var call = Assert.Single(calls);
        Assert.Equal("AR-RAID-01", call.TeamId);
        Assert.False(call.Open);
        Assert.StartsWith("test-commander", call.TakenBy, StringComparison.Ordinal);
        Assert.Empty(wallOnA.Watched.Errors);
        Assert.Empty(wallOnB.Watched.Errors);
        Assert.Empty(command.Errors);
        Assert.Empty(field.Errors);
    }

    private static string Artifacts(string name) => Path.Combine(Browser.Tests.Artifacts.Directory, name);
}
