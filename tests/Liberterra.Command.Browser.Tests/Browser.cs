using Microsoft.Playwright;

namespace Liberterra.Command.Browser.Tests;

/// <summary>
/// One headless Chromium for the test run: Debian's (<c>/usr/bin/chromium</c>, or <c>LIBERTERRA_CHROMIUM</c>), started
/// by Playwright with the flags this machine needs (no sandbox as root, no background traffic to a closed network).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var executable = Environment.GetEnvironmentVariable("LIBERTERRA_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(executable))
            throw new InvalidOperationException($"Chromium is not at {executable}: apt-get install -y chromium (deploy/test.sh does).");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = executable,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

/// <summary>A page that records what went wrong in it: script errors and console errors (CSP violations among them).</summary>
public sealed class WatchedPage
{
    private readonly List<string> _errors = [];

    private WatchedPage(IPage page)
    {
        Page = page;
        page.PageError += (_, error) => { lock (_errors) _errors.Add($"page error: {error}"); };
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (_errors) _errors.Add($"console: {message.Text}");
        };
    }

    public IPage Page { get; }

    public IReadOnlyList<string> Errors
    {
        get { lock (_errors) return [.. _errors]; }
    }

    /// <summary>Watches a page already open (errors from now on).</summary>
    public static WatchedPage Watch(IPage page) => new(page);

    public static async Task<WatchedPage> OpenAsync(IBrowserContext context, string url)
    {
        var page = new WatchedPage(await context.NewPageAsync());
        await page.Page.GotoAsync(url);
        return page;
    }

    /// <summary>
    /// Errors other than the ones a test causes on purpose: a server that is down makes the browser log failed
    /// connections, which is the page reporting the outage, not a fault of the page.
    /// </summary>
    public IReadOnlyList<string> UnexpectedErrors(params string[] expected) =>
        [.. Errors.Where(e => !expected.Any(x => e.Contains(x, StringComparison.OrdinalIgnoreCase)))];
}
