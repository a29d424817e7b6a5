using System.Text.Json;

namespace Liberterra.Command.Server.Hosting;

/// <summary>One language the pages speak: its code (a file web/i18n/{code}.json), its own name, and its direction.</summary>
public sealed record PageLanguage(string Code, string Name, string Dir);

/// <summary>
/// The languages of the pages, read once from the catalogs in <c>web/i18n/</c>: a new language is one file, whose
/// <c>@name</c> (in that language) and <c>@dir</c> (<c>ltr</c> or <c>rtl</c>) say how the language menu shows it.
/// </summary>
public static class PageLanguages
{
    public static IReadOnlyList<PageLanguage> Read(string folder)
    {
        if (!Directory.Exists(folder)) return [new PageLanguage("en", "English", "ltr")];
        var languages = new List<PageLanguage>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            var root = document.RootElement;
            var code = Path.GetFileNameWithoutExtension(file);
            var name = root.TryGetProperty("@name", out var n) ? n.GetString() ?? code : code;
            var dir = root.TryGetProperty("@dir", out var d) && d.GetString() == "rtl" ? "rtl" : "ltr";
            languages.Add(new PageLanguage(code, name, dir));
        }

        // English first (the fallback of every key), then as the files sort.
        return [.. languages.OrderBy(l => l.Code == "en" ? 0 : 1).ThenBy(l => l.Code, StringComparer.Ordinal)];
    }
}
