using Liberterra.Command.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Liberterra.Command.Browser.Tests;

/// <summary>The wall as a test sees it: open it with a credential, wait for it to be live, read what it shows.</summary>
internal sealed class WallPage(WatchedPage watched)
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public IPage Page => watched.Page;

    public WatchedPage Watched => watched;

    /// <summary>Opens the wall of <paramref name="operationId"/>, handing it the credential in the URL fragment.</summary>
    public static async Task<WallPage> OpenAsync(IBrowserContext context, Uri server, string operationId, string token)
    {
        var wall = new WallPage(await WatchedPage.OpenAsync(context, new Uri(server, $"/wall/{operationId}#token={token}").ToString()));
        await wall.WaitLive();
        return wall;
    }

    public Task WaitLive() => Expect(Page.Locator("body")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\blive\b"), new() { Timeout = Ms(Patience) });

    /// <summary>Waits until a total shows <paramref name="value"/>: its number, and its text once the count-up animation ends.</summary>
    public async Task ExpectTotal(string id, int value)
    {
        var node = Page.Locator($"#{id}");
        await Expect(node).ToHaveAttributeAsync("data-value", value.ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = Ms(Patience) });
        await Expect(node).ToHaveTextAsync(value.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = Ms(Patience) });
    }

    public async Task ExpectTotals(int children, int women, int men, int arrested)
    {
        await ExpectTotal("t-children", children);
        await ExpectTotal("t-women", women);
        await ExpectTotal("t-men", men);
        await ExpectTotal("t-rescued", children + women + men);
        await ExpectTotal("t-arrested", arrested);
    }

    /// <summary>Waits until the wall has applied every event the operation has (its sequence number is the head's).</summary>
    public async Task ExpectAtHead(HttpClient http, string operationId)
    {
        var truth = await Field.Operation(http, operationId);
        await Wait.Until(LastSeq, seq => seq == truth.LastSeq, Patience, "the wall to reach the timeline's head");
    }

    /// <summary>The last sequence number the wall applied (what its live connection reports).</summary>
    public Task<long> LastSeq() => Page.EvaluateAsync<long>("() => window.liberterraWall.model.lastSeq");

    public ILocator Card(string teamId) => Page.Locator($".card[data-team='{teamId}']");

    public ILocator Ticker => Page.Locator("#ticker");

    public static float Ms(TimeSpan t) => (float)t.TotalMilliseconds;
}
