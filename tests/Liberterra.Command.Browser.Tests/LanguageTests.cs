using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Liberterra.Command.Access;
using Liberterra.Command.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Liberterra.Command.Browser.Tests;

/// <summary>
/// The pages in every language they speak (web/i18n/), in Chromium against the real server: nothing missing, nothing
/// left in English where a translation exists, no text cut off, Arabic right to left with the board and the steppers
/// mirrored; a refusal in the user's language; and accessible (axe-core, keyboard, labels) in English and Arabic.
/// </summary>
[Collection(BrowserCollection.Name)]
public class LanguageTests(BrowserFixture browser)
{
    private static readonly string[] Languages = ["en", "fr", "es", "ar", "pt", "vi"];
    private static readonly float Patience = WallPage.Ms(WallPage.Patience);

    private static async Task<string> Database(string name) =>
        await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync(name);

    private static async Task<(InProcessServer Server, string Op)> Scenario(string name)
    {
        var server = await InProcessServer.StartAsync(await Database(name));
        var op = await Field.LoadScenario(server.Http, Path.Combine(AppContext.BaseDirectory, "scenarios", "liberterra-ii.json"));
        await ScenarioReports.PlayAsync(server.Http, op, seed: 7);
        return (server, op);
    }

    /// <summary>
    /// What is wrong with the words on the page: keys the language lacks, raw keys or English texts on screen where the
    /// language has its own, and elements whose text is cut off (wider than their box, which clips it).
    /// </summary>
    private const string WordsCheck = """
        async () => {
          const lang = document.documentElement.lang;
          const [english, own] = await Promise.all([`/i18n/en.json`, `/i18n/${lang}.json`].map(u => fetch(u).then(r => r.json())));
          const problems = [...I18n.missing].map(k => `missing key ${k}`);
          // English texts that the language says differently: literally, or as a template with its values filled in.
          const escape = s => s.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
          const english_only = [];
          for (const [key, value] of Object.entries(english)) {
            if (key.startsWith("@")) continue;
            const forms = typeof value === "string" ? [value] : Object.values(value);
            const theirs = own[key] === undefined ? [] : typeof own[key] === "string" ? [own[key]] : Object.values(own[key]);
            for (const form of forms) {
              if (lang === "en" || theirs.includes(form)) continue;
              const literal = form.replace(/\{\w+\}/g, "");
              if ((literal.match(/[A-Za-z]/g) || []).length < 4) continue;   // "{name}: {status}" says nothing in English
              english_only.push({ key, re: new RegExp("^" + form.split(/\{\w+\}/).map(escape).join(".+?") + "$") });
            }
          }
          const keyShaped = /^[a-z][\w-]*(\.[\w-]+)+$/;
          // Seen on screen (a screen reader's text, clipped to 1 px on purpose, is not).
          const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e); return r.width > 1 && r.height > 1 && s.visibility !== "hidden" && s.display !== "none"; };
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          const seen = new Set();
          while (walker.nextNode()) {
            const node = walker.currentNode, e = node.parentElement, text = node.textContent.trim();
            if (!text || !e || e.closest("script, style, option, [hidden], .lang") || !visible(e)) continue;
            if (keyShaped.test(text) && english[text] !== undefined) problems.push(`raw key on screen: ${text}`);
            const hit = english_only.find(x => x.re.test(text));
            if (hit) problems.push(`English on screen (${hit.key}): ${text}`);
            if (!seen.has(e)) {
              seen.add(e);
              const s = getComputedStyle(e);
              const clips = s.overflowX !== "visible" || s.textOverflow === "ellipsis";
              if (clips && e.scrollWidth > e.clientWidth + 1 && e.tagName !== "TEXTAREA" && e.tagName !== "SELECT")
                problems.push(`cut off (${e.scrollWidth} > ${e.clientWidth} px): ${e.className || e.tagName} "${e.textContent.trim().slice(0, 60)}"`);
            }
          }
          for (const [attr, sel] of [["aria-label", "[aria-label]"], ["placeholder", "[placeholder]"], ["title", "[title]"]])
            for (const e of document.querySelectorAll(sel)) {
              const text = e.getAttribute(attr).trim();
              if (keyShaped.test(text) && english[text] !== undefined) problems.push(`raw key in ${attr}: ${text}`);
              const hit = english_only.find(x => x.re.test(text));
              if (hit) problems.push(`English in ${attr} (${hit.key}): ${text}`);
            }
          if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${window.innerWidth} px)`);
          return [...new Set(problems)];
        }
        """;

    [Fact]
    public async Task every_language_reads_whole_on_the_wall_and_the_field_page_and_arabic_runs_right_to_left()
    {
        var (server, op) = await Scenario("languages-pages");
        await using var _ = server;
        var problems = new List<string>();
        foreach (var lang in Languages)
        {
            // The wall pinned to its language in its link; the phone in its owner's language (the browser's locale).
            await using var room = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1920, Height = 1080 } });
            var wall = WatchedPage.Watch(await room.NewPageAsync());
            await wall.Page.GotoAsync(new Uri(server.Address, $"/wall/{op}?lang={lang}#token={TestAuth.Token(Roles.Wall)}").ToString());
            await Expect(wall.Page.Locator("body")).ToHaveClassAsync(new Regex(@"\blive\b"), new() { Timeout = Patience });
            await Expect(wall.Page.Locator("#ticker li:not(.empty)").First).ToBeVisibleAsync(new() { Timeout = Patience });
            await Expect(wall.Page.Locator("#sparks .spark").First).ToBeVisibleAsync(new() { Timeout = Patience });
            Assert.Equal(lang, await wall.Page.EvaluateAsync<string>("() => document.documentElement.lang"));
            // A report while the wall watches: its ticker line comes from the live delta, worded from its phrase.
            var live = await Field.Report(server.Http, op, "AR-RAID-02", new { children = 1, arrested = 2 });
            await wall.Page.WaitForFunctionAsync($"() => document.querySelector('#ticker li')?.dataset.seq === '{live.Seq}'", null, new() { Timeout = Patience });
            problems.AddRange((await wall.Page.EvaluateAsync<string[]>(WordsCheck)).Select(p => $"wall {lang}: {p}"));
            problems.AddRange(wall.Errors.Select(e => $"wall {lang}: {e}"));
            await wall.Page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts.Directory, $"wall-{lang}.png") });

            await using var phone = await browser.Browser.NewContextAsync(new()
            {
                ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true, Locale = Locale(lang),
            });
            var field = WatchedPage.Watch(await phone.NewPageAsync());
            await field.Page.GotoAsync(new Uri(server.Address, $"/field/{op}#token={TestAuth.Token(Roles.TeamLead, "AR-RAID-01")}").ToString());
            await Expect(field.Page.Locator("#team-title")).ToContainTextAsync("AR-RAID-01", new() { Timeout = Patience });
            await Expect(field.Page.Locator("#team-seen")).Not.ToBeEmptyAsync(new() { Timeout = Patience });
            Assert.Equal(lang, await field.Page.EvaluateAsync<string>("() => document.documentElement.lang"));
            problems.AddRange((await field.Page.EvaluateAsync<string[]>(WordsCheck)).Select(p => $"field {lang}: {p}"));
            problems.AddRange(field.Errors.Select(e => $"field {lang}: {e}"));
            await field.Page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts.Directory, $"field-{lang}.png"), FullPage = true });

            var rtl = lang == "ar";
            Assert.Equal(rtl ? "rtl" : "ltr", await wall.Page.EvaluateAsync<string>("() => document.documentElement.dir"));
            Assert.Equal(rtl ? "rtl" : "ltr", await field.Page.EvaluateAsync<string>("() => document.documentElement.dir"));
            // Mirrored: the board fills from the right, a card's status stripe is on its right, the ticker's time
            // comes first on the right; on the phone a stepper's name is on the right and its + on the left.
            var board = await wall.Page.EvaluateAsync<JsonElement>("""
                () => { const b = document.querySelector('#board').getBoundingClientRect();
                        const c = document.querySelector('#board .card'), r = c.getBoundingClientRect(), s = getComputedStyle(c);
                        const li = document.querySelector('#ticker li:not(.empty)'), time = li.querySelector('.time').getBoundingClientRect(), who = li.querySelector('.who').getBoundingClientRect();
                        return { fromRight: b.right - r.right, fromLeft: r.left - b.left, stripeRight: parseFloat(s.borderRightWidth) > 0, timeRightOfWho: time.left > who.left }; }
                """);
            var stepper = await field.Page.EvaluateAsync<JsonElement>("""
                () => { const s = document.querySelector('.stepper[data-field=children]');
                        const name = s.querySelector('.name').getBoundingClientRect(), plus = s.querySelector('.plus').getBoundingClientRect(), minus = s.querySelector('.minus').getBoundingClientRect();
                        return { nameRightOfPlus: name.left > plus.left, minusRightOfPlus: minus.left > plus.left }; }
                """);
            if (rtl)
            {
                Assert.True(board.GetProperty("fromRight").GetDouble() < 2, $"the first card is not at the board's right: {board}");
                Assert.True(board.GetProperty("stripeRight").GetBoolean(), "a card's status stripe is not on its right");
                Assert.True(board.GetProperty("timeRightOfWho").GetBoolean(), "the ticker's time is not first from the right");
                Assert.True(stepper.GetProperty("nameRightOfPlus").GetBoolean() && stepper.GetProperty("minusRightOfPlus").GetBoolean(), $"the stepper is not mirrored: {stepper}");
            }
            else
            {
                Assert.True(board.GetProperty("fromLeft").GetDouble() < 2, $"the first card is not at the board's left: {board}");
                Assert.False(stepper.GetProperty("nameRightOfPlus").GetBoolean(), $"the stepper reads right to left: {stepper}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        foreach (var (page, lang) in new[] { ("wall", "ar"), ("field", "es"), ("field", "vi") })
            Assert.True(File.Exists(Path.Combine(Artifacts.Directory, $"{page}-{lang}.png")));
    }

    [Fact]
    public async Task the_command_debrief_and_report_pages_read_whole_in_every_language_too()
    {
        var (server, op) = await Scenario("languages-other-pages");
        await using var _ = server;
        var problems = new List<string>();
        foreach (var lang in Languages)
        {
            foreach (var (path, token, viewport, ready) in new[]
            {
                ($"/command/{op}", TestAuth.Token(Roles.Commander), (1600, 900), "#orders tr"),
                ($"/debrief/{op}", TestAuth.Token(Roles.Debriefer), (1920, 1080), "body.live #around li"),
                ($"/report/{op}", TestAuth.Token(Roles.Debriefer), (1200, 900), "body[data-ready='true']"),
            })
            {
                await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = viewport.Item1, Height = viewport.Item2 } });
                var page = WatchedPage.Watch(await context.NewPageAsync());
                await page.Page.GotoAsync(new Uri(server.Address, $"{path}?lang={lang}#token={token}").ToString());
                await Expect(page.Page.Locator(ready).First).ToBeAttachedAsync(new() { Timeout = Patience });
                var name = path.Split('/')[1];
                problems.AddRange((await page.Page.EvaluateAsync<string[]>(WordsCheck)).Select(p => $"{name} {lang}: {p}"));
                problems.AddRange(page.Errors.Select(e => $"{name} {lang}: {e}"));
                if (lang == "ar") await page.Page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts.Directory, $"{name}-ar.png") });
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task each_catalog_has_exactly_the_plural_forms_chromium_asks_for()
    {
        await using var server = await InProcessServer.StartAsync(await Database("languages-plurals"));
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(server.Address, "/dashboard.html").ToString());
        var wrong = await page.EvaluateAsync<string[]>("""
            async () => {
              const languages = await (await fetch('/i18n/index.json')).json();
              const out = [];
              for (const { code } of languages) {
                const catalog = await (await fetch(`/i18n/${code}.json`)).json();
                const wanted = new Intl.PluralRules(code).resolvedOptions().pluralCategories.slice().sort().join(',');
                for (const [key, value] of Object.entries(catalog))
                  if (typeof value === 'object' && Object.keys(value).sort().join(',') !== wanted) out.push(`${code} ${key}: [${Object.keys(value)}], Chromium asks [${wanted}]`);
              }
              return out;
            }
            """);
        Assert.True(wrong.Length == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task a_refusal_on_the_field_page_in_french_names_the_field_and_the_allowed_statuses_in_french()
    {
        await using var server = await InProcessServer.StartAsync(await Database("languages-refusal"));
        var op = await Field.DefineOperation(server.Http);
        var french = JsonDocument.Parse(await server.Http.GetStringAsync("/i18n/fr.json")).RootElement;
        string Fr(string key) => french.GetProperty(key).GetString()!;
        await using var phone = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true, Locale = "fr-FR" });
        var field = WatchedPage.Watch(await phone.NewPageAsync());
        var page = field.Page;
        await page.GotoAsync(new Uri(server.Address, $"/field/{op}#token={TestAuth.Token(Roles.TeamLead, "AR-RAID-01")}").ToString());
        await Expect(page.Locator("#team-title")).ToContainTextAsync("Condor 1", new() { Timeout = Patience });

        // Another device moved the team on: the page still offers what follows Standby.
        await Field.Report(server.Http, op, "AR-RAID-01", new { status = "Briefed" });
        await Field.Report(server.Http, op, "AR-RAID-01", new { status = "EnRoute" });
        await page.ClickAsync("#status-buttons button[data-status='Briefed']");
        await page.ClickAsync("#send");

        var error = page.Locator("[data-for='status']").First;
        await Expect(error).Not.ToBeEmptyAsync(new() { Timeout = Patience });
        var text = (await error.TextContentAsync())!;
        Assert.StartsWith(Fr("input.status"), text);
        foreach (var status in new[] { "EnRoute", "Briefed", "OnSite", "Holding", "Aborted" })
            Assert.Contains(Fr($"status.{status}"), text);
        // The list of allowed statuses is French too ("ou" before the last), and nothing of the server's English shows.
        Assert.Contains(" ou ", text);
        Assert.DoesNotContain("Allowed", text);
        Assert.DoesNotContain("cannot", text);
        Assert.DoesNotMatch(@"\bEnRoute\b|\bOnSite\b", text);
        await Expect(page.Locator("#outbox li").First).ToHaveClassAsync(new Regex(@"\brejected\b"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts.Directory, "field-fr-refused.png"), FullPage = true });
        Assert.Empty(field.UnexpectedErrors("409"));
    }

    [Fact]
    public async Task a_language_chosen_on_the_page_is_remembered_on_the_device_and_a_link_can_pin_another()
    {
        await using var server = await InProcessServer.StartAsync(await Database("languages-choice"));
        var op = await Field.DefineOperation(server.Http);
        await using var phone = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 390, Height = 844 }, Locale = "en-GB" });
        var page = await phone.NewPageAsync();
        await page.GotoAsync(new Uri(server.Address, $"/field/{op}#token={TestAuth.Token(Roles.TeamLead, "AR-RAID-01")}").ToString());
        await Expect(page.Locator("#team-title")).ToContainTextAsync("Condor 1", new() { Timeout = Patience });
        Assert.Equal("en", await page.EvaluateAsync<string>("() => document.documentElement.lang"));

        // Chosen in the menu: the page comes back in Vietnamese, and stays so on this device.
        await page.SelectOptionAsync(".lang-picker", "vi");
        await page.WaitForFunctionAsync("() => document.documentElement.lang === 'vi' && document.querySelector('#team-seen').textContent !== ''", null, new() { Timeout = Patience });
        var again = await phone.NewPageAsync();
        await again.GotoAsync(new Uri(server.Address, $"/field/{op}").ToString());
        await again.WaitForFunctionAsync("() => document.documentElement.lang === 'vi'", null, new() { Timeout = Patience });
        // A wall's link pins its own language, whatever the device chose.
        var wall = await phone.NewPageAsync();
        await wall.GotoAsync(new Uri(server.Address, $"/wall/{op}?lang=ar#token={TestAuth.Token(Roles.Wall)}").ToString());
        await wall.WaitForFunctionAsync("() => document.documentElement.lang === 'ar' && document.documentElement.dir === 'rtl'", null, new() { Timeout = Patience });
    }

    [Fact]
    public async Task the_after_action_report_prints_in_the_chosen_language()
    {
        var (server, op) = await Scenario("languages-report");
        await using var _ = server;
        var french = JsonDocument.Parse(await server.Http.GetStringAsync("/i18n/fr.json")).RootElement;
        string Fr(string key) => french.GetProperty(key).GetString()!;
        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1200, Height = 900 } });
        var watched = WatchedPage.Watch(await context.NewPageAsync());
        var page = watched.Page;
        await page.GotoAsync(new Uri(server.Address, $"/report/{op}?lang=fr#token={TestAuth.Token(Roles.Debriefer)}").ToString());
        await Expect(page.Locator("body[data-ready='true']")).ToHaveCountAsync(1, new() { Timeout = Patience });

        // As printed: the headings, the table headers and the figures' words are French, the language menu is not printed.
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Expect(page.Locator("h2").First).ToHaveTextAsync(Fr("report.byDay"));
        await Expect(page.Locator("#regions-table th").First).ToHaveTextAsync(Fr("report.col.region"));
        await Expect(page.Locator("#print")).ToBeHiddenAsync();
        await Expect(page.Locator(".lang-picker")).ToBeHiddenAsync();
        Assert.Equal("fr", await page.EvaluateAsync<string>("() => document.documentElement.lang"));
        var problems = await page.EvaluateAsync<string[]>(WordsCheck);
        Assert.True(problems.Length == 0, string.Join("\n", problems));
        var pdf = await page.PdfAsync(new() { Format = "A4", PrintBackground = true });
        Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(pdf, 0, 4));
        await File.WriteAllBytesAsync(Path.Combine(Artifacts.Directory, "after-action-report-fr.pdf"), pdf);
        Assert.Empty(watched.Errors);
    }

    [Fact]
    public async Task the_pages_have_no_serious_accessibility_violation_in_english_and_in_arabic()
    {
        var (server, op) = await Scenario("languages-axe");
        await using var _ = server;
        var violations = new List<string>();
        foreach (var lang in new[] { "en", "ar" })
        {
            foreach (var (path, token, viewport, ready) in new[]
            {
                ($"/wall/{op}", TestAuth.Token(Roles.Wall), (1920, 1080), "body.live #ticker li:not(.empty)"),
                ($"/field/{op}", TestAuth.Token(Roles.TeamLead, "AR-RAID-01"), (390, 844), "#team-seen:not(:empty)"),
                ($"/debrief/{op}", TestAuth.Token(Roles.Debriefer), (1600, 900), "body.live #r-pos"),
                ($"/report/{op}", TestAuth.Token(Roles.Debriefer), (1200, 900), "body[data-ready='true']"),
            })
            {
                // Axe is put into the page by the test, which the pages' CSP (scripts from the server only) would refuse.
                await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = viewport.Item1, Height = viewport.Item2 }, BypassCSP = true });
                var page = await context.NewPageAsync();
                await page.GotoAsync(new Uri(server.Address, $"{path}?lang={lang}#token={token}").ToString());
                await Expect(page.Locator(ready).First).ToBeVisibleAsync(new() { Timeout = Patience });
                var result = await page.RunAxe(new AxeRunOptions { ResultTypes = [ResultType.Violations] });
                foreach (var v in result.Violations.Where(v => v.Impact is "serious" or "critical"))
                    violations.Add($"{path.Split('/')[1]} {lang}: {v.Id} ({v.Impact}) {v.Help}: {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}");
            }
        }

        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public async Task the_field_page_can_be_used_with_the_keyboard_alone_and_every_control_is_named()
    {
        await using var server = await InProcessServer.StartAsync(await Database("languages-keyboard"));
        var op = await Field.DefineOperation(server.Http);
        await using var phone = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 390, Height = 844 } });
        var field = WatchedPage.Watch(await phone.NewPageAsync());
        var page = field.Page;
        await page.GotoAsync(new Uri(server.Address, $"/field/{op}?lang=ar#token={TestAuth.Token(Roles.TeamLead, "AR-RAID-01")}").ToString());
        await Expect(page.Locator("#team-title")).ToContainTextAsync("Condor 1", new() { Timeout = Patience });

        // Every status button and every stepper button has a name a screen reader says (in the page's language).
        var unnamed = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('#status-buttons button, .stepper button, #distress, #send')]
                    .filter(b => !(b.getAttribute('aria-label') || b.textContent).trim() || /^[+−-]$/.test((b.getAttribute('aria-label') || b.textContent).trim()))
                    .map(b => b.outerHTML)
            """);
        Assert.Empty(unnamed);
        var arabic = JsonDocument.Parse(await server.Http.GetStringAsync("/i18n/ar.json")).RootElement;
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = arabic.GetProperty("field.children.more").GetString()!, Exact = true })).ToHaveCountAsync(1);

        // Tab to a control, press a key: a status, two children, then send. No pointer at all.
        async Task Press(string selector, string key = "Enter")
        {
            for (var i = 0; i < 60 && !await page.EvaluateAsync<bool>($"() => document.activeElement?.matches(\"{selector}\") === true"); i++)
                await page.Keyboard.PressAsync("Tab");
            Assert.True(await page.EvaluateAsync<bool>($"() => document.activeElement?.matches(\"{selector}\") === true"), $"{selector} cannot be reached with Tab");
            await page.Keyboard.PressAsync(key);
        }

        await Press("#status-buttons button[data-status='Briefed']");
        await Expect(page.Locator("#status-buttons button[data-status='Briefed']")).ToHaveAttributeAsync("aria-checked", "true");
        await Press(".stepper[data-field='children'] .plus");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".stepper[data-field='children'] output")).ToHaveTextAsync("2");
        await Press("#send", " ");
        await Expect(page.Locator("#outbox li.acknowledged")).ToHaveCountAsync(1, new() { Timeout = Patience });
        var team = await server.Http.GetFromJsonAsync<Contracts.TeamView>($"/api/operations/{op}/teams/AR-RAID-01", Field.Json);
        Assert.Equal(2, team!.Totals.Children);
        Assert.Equal("Briefed", team.Status);
        Assert.Empty(field.Errors);
    }

    private static string Locale(string lang) => lang switch
    {
        "en" => "en-GB",
        "fr" => "fr-FR",
        "es" => "es-AR",
        "ar" => "ar-IQ",
        "pt" => "pt-BR",
        _ => "vi-VN",
    };
}
