using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Server.Api;
using Liberterra.Command.Server.Hosting;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// The pages' catalogs (web/i18n/*.json, read by web/i18n.js) against the pages that use them and the server whose
/// codes they word: every key a page uses exists in every language, no language has a key no page uses, the
/// placeholders of every text match English, and every counted text has the plural forms its language needs.
/// </summary>
public sealed partial class CatalogTests
{
    private static readonly string Web = Path.Combine(AppContext.BaseDirectory, "web");

    /// <summary>
    /// The languages the product ships and their plural categories as CLDR (and so the browser's Intl.PluralRules)
    /// defines them; the browser tests check this table against Chromium's own answer.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> PluralCategories = new Dictionary<string, string[]>
    {
        ["en"] = ["one", "other"],
        ["fr"] = ["one", "many", "other"],
        ["es"] = ["one", "many", "other"],
        ["pt"] = ["one", "many", "other"],
        ["ar"] = ["zero", "one", "two", "few", "many", "other"],
        ["vi"] = ["other"],
    };

    /// <summary>
    /// Keys a page builds from a value (<c>t(`status.${s}`)</c>): each family and the values it may take, from the
    /// server's own types, so a new status, order kind or rule without words fails here. A page that builds keys from a
    /// family not declared here fails too.
    /// </summary>
    private static readonly Dictionary<string, IReadOnlyCollection<string>> Families = new()
    {
        ["status"] = Enum.GetNames<TeamStatus>(),
        ["orderKind"] = Enum.GetNames<OrderKind>(),
        ["answer"] = Enum.GetNames<OrderAnswer>(),
        ["exploitation"] = Enum.GetNames<ExploitationType>(),
        ["rule"] = [.. RuleCodes.All],
        ["problem"] = [.. typeof(Problems.Codes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!)],
        ["input"] = [.. RequestFields()],
        ["count"] = ["children", "women", "men", "arrested", "hotspots", "teams"],
        ["command.conn"] = ["live", "connecting", "resyncing", "stale", "signed-out"],
        ["debrief.state"] = ["playing", "paused", "ended"],
    };

    /// <summary>Families whose every value needs words (a refusal or a status a page may meet); the others may have fewer.</summary>
    private static readonly string[] Complete = ["status", "orderKind", "answer", "exploitation", "rule", "problem", "input", "count", "command.conn", "debrief.state"];

    [Fact]
    public void every_language_is_listed_with_its_name_and_direction()
    {
        var languages = PageLanguages.Read(Path.Combine(Web, "i18n"));
        Assert.Equal(["en", "ar", "es", "fr", "pt", "vi"], languages.Select(l => l.Code));
        Assert.All(languages, l => Assert.False(string.IsNullOrWhiteSpace(l.Name)));
        Assert.Equal("rtl", languages.Single(l => l.Code == "ar").Dir);
        Assert.All(languages.Where(l => l.Code != "ar"), l => Assert.Equal("ltr", l.Dir));
    }

    [Fact]
    public void every_key_a_page_uses_exists_in_every_language_and_none_is_unused()
    {
        var (used, families) = UsedKeys();
        var undeclared = families.Where(f => !Families.ContainsKey(f)).ToList();
        Assert.True(undeclared.Count == 0, $"pages build keys from undeclared families: {string.Join(", ", undeclared)}");
        var required = used.Concat(Complete.SelectMany(f => Families[f].Select(v => $"{f}.{v}"))).ToHashSet(StringComparer.Ordinal);

        foreach (var (lang, catalog) in Catalogs())
        {
            var missing = required.Where(k => !catalog.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
            Assert.True(missing.Count == 0, $"{lang}.json lacks {missing.Count} keys: {string.Join(", ", missing.Take(30))}");
            var unused = catalog.Keys.Where(k => !k.StartsWith('@') && !used.Contains(k) && !InFamily(k)).Order(StringComparer.Ordinal).ToList();
            Assert.True(unused.Count == 0, $"{lang}.json has {unused.Count} keys no page uses: {string.Join(", ", unused.Take(30))}");
        }
    }

    [Fact]
    public void placeholders_match_english_and_plural_forms_are_complete()
    {
        var catalogs = Catalogs();
        var english = catalogs["en"];
        var problems = new List<string>();
        foreach (var (lang, catalog) in catalogs)
        {
            Assert.True(PluralCategories.ContainsKey(lang), $"{lang}.json: no plural categories known for this language (add them to {nameof(PluralCategories)})");
            foreach (var (key, value) in catalog)
            {
                if (key.StartsWith('@') || !english.TryGetValue(key, out var source)) continue;
                var expected = Placeholders(source);
                if (value.ValueKind == JsonValueKind.String)
                {
                    if (source.ValueKind == JsonValueKind.Object) problems.Add($"{lang}: {key} must have plural forms");
                    else if (!Placeholders(value).SetEquals(expected)) problems.Add($"{lang}: {key} has {{{string.Join("}, {", Placeholders(value))}}}, English {{{string.Join("}, {", expected)}}}");
                    continue;
                }

                var forms = value.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
                var categories = PluralCategories[lang];
                if (!forms.Keys.Order().SequenceEqual(categories.Order()))
                    problems.Add($"{lang}: {key} has forms [{string.Join(", ", forms.Keys)}], {lang} needs [{string.Join(", ", categories)}]");
                // The number may be said by the word itself in a form (Arabic "one", "two"); every other placeholder stays.
                var counted = expected.Where(p => p is "count" or "n").ToHashSet();
                foreach (var (category, text) in forms)
                {
                    var found = Placeholders(text);
                    if (!found.SetEquals(expected) && !(found.IsSubsetOf(expected) && expected.Except(found).All(counted.Contains) && category != "other"))
                        problems.Add($"{lang}: {key}[{category}] has {{{string.Join("}, {", found)}}}, English {{{string.Join("}, {", expected)}}}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void every_rule_the_server_can_break_has_words_that_name_its_values()
    {
        // A refusal's values reach the page as the rule's args: a text may name only values the rule carries or the field.
        var english = Catalogs()["en"];
        foreach (var code in RuleCodes.All)
        {
            Assert.True(english.ContainsKey($"rule.{code}"), $"rule.{code} has no words");
            Assert.DoesNotContain("field", Placeholders(english[$"rule.{code}"]));
        }
    }

    // ------------------------------------------------------------------ reading the pages and the catalogs

    private static bool InFamily(string key) =>
        Families.Any(f => key.StartsWith(f.Key + ".", StringComparison.Ordinal) && f.Value.Contains(key[(f.Key.Length + 1)..]));

    /// <summary>
    /// The keys the pages name: in their markup (data-i18n...), and in their scripts every quoted text shaped like a key
    /// of a catalog namespace (t("a.b"), t(cond ? "a.b" : "a.c"), I18n.fill(node, "a.b")); and the families of the keys
    /// they build from a value (t(`status.${s}`)).
    /// </summary>
    private static (HashSet<string> Keys, HashSet<string> Families) UsedKeys()
    {
        var namespaces = Catalogs()["en"].Keys.Where(k => !k.StartsWith('@')).Select(k => k.Split('.')[0]).ToHashSet(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var families = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in PageFiles())
        {
            var text = File.ReadAllText(file);
            foreach (Match m in MarkupKey().Matches(text)) keys.Add(m.Groups["key"].Value);
            if (!file.EndsWith(".js", StringComparison.Ordinal)) continue;
            foreach (Match m in QuotedKey().Matches(text))
                if (namespaces.Contains(m.Groups["key"].Value.Split('.')[0])) keys.Add(m.Groups["key"].Value);
            foreach (Match m in ScriptFamily().Matches(text))
                if (namespaces.Contains(m.Groups["family"].Value.Split('.')[0])) families.Add(m.Groups["family"].Value);
        }

        return (keys, families);
    }

    private static IEnumerable<string> PageFiles() => Directory.EnumerateFiles(Web, "*.*", SearchOption.AllDirectories)
        .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}lib{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
        .Where(f => f.EndsWith(".html", StringComparison.Ordinal) || f.EndsWith(".js", StringComparison.Ordinal));

    private static Dictionary<string, Dictionary<string, JsonElement>> Catalogs()
    {
        var catalogs = new Dictionary<string, Dictionary<string, JsonElement>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Web, "i18n"), "*.json"))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            catalogs[Path.GetFileNameWithoutExtension(file)] = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
        }

        Assert.Contains("en", catalogs.Keys);
        return catalogs;
    }

    private static HashSet<string> Placeholders(JsonElement value) => value.ValueKind == JsonValueKind.Object
        ? value.EnumerateObject().SelectMany(p => Placeholders(p.Value.GetString() ?? "")).ToHashSet(StringComparer.Ordinal)
        : Placeholders(value.GetString() ?? "");

    private static HashSet<string> Placeholders(string text) =>
        Placeholder().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>The names of the fields the pages' requests carry (camelCase, as sent), and the few the rules add.</summary>
    private static IEnumerable<string> RequestFields() =>
        new[] { typeof(FieldReportRequest), typeof(CorrectionRequest), typeof(PositionRequest), typeof(OrderRequest), typeof(OrderAnswerRequest),
                typeof(CancelRequest), typeof(DistressRequest), typeof(MarkRequest) }
            .SelectMany(t => t.GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)))
            .Concat(["target", "orderSeq", "distressSeq", "Idempotency-Key"])
            .Distinct(StringComparer.Ordinal);

    [GeneratedRegex(@"data-i18n(?:-label|-placeholder|-title)?=""(?<key>[\w.-]+)""")]
    private static partial Regex MarkupKey();

    [GeneratedRegex("""["'](?<key>[A-Za-z][\w-]*(?:\.[\w-]+)+)["']""")]
    private static partial Regex QuotedKey();

    // `status.${s}` and the like (keys built from a value; a family's first segment is a catalog namespace)
    [GeneratedRegex("""`(?<family>[A-Za-z][\w.]*?)\.\$\{""")]
    private static partial Regex ScriptFamily();

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();
}
