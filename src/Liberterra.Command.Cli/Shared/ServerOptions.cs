using System.CommandLine;

namespace Liberterra.Command.Cli;

/// <summary>
/// Where the server is and who is calling, in the usual order: the option, else the environment
/// (<c>LIBERTERRA_SERVER</c>, <c>LIBERTERRA_TOKEN</c>), else the config file (<c>LIBERTERRA_CONFIG</c>, default
/// <c>~/.config/liberterra/config.json</c>: <c>{"server": "...", "token": "..."}</c>), else the local default.
/// </summary>
internal static class ServerOptions
{
    private static readonly Lazy<System.Text.Json.Nodes.JsonObject?> ConfigFile = new(() =>
    {
        var path = Environment.GetEnvironmentVariable("LIBERTERRA_CONFIG")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "liberterra", "config.json");
        try
        {
            return File.Exists(path) ? System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path)) as System.Text.Json.Nodes.JsonObject : null;
        }
        catch (System.Text.Json.JsonException e)
        {
            Console.Error.WriteLine($"liberterra: ignoring {path}: {e.Message}");
            return null;
        }
    });

    private static string? FromConfig(string name) => ConfigFile.Value?[name]?.GetValue<string>();

    private static string? FromEnvironment(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    public const string DefaultServer = "http://localhost:5080";

    public static readonly Option<Uri> Server = new("--server")
    {
        Description = $"The server's base address (environment LIBERTERRA_SERVER; default {DefaultServer}).",
        Recursive = true,
        DefaultValueFactory = _ => new Uri(FromEnvironment("LIBERTERRA_SERVER") ?? FromConfig("server") ?? DefaultServer),
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : FromEnvironment("LIBERTERRA_SERVER") ?? FromConfig("server") ?? DefaultServer;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri;
            result.AddError($"--server must be an http or https address such as {DefaultServer} (got '{text}').");
            return null;
        },
    };

    // No default value: help prints an option's default, and this one is a secret. TokenOf reads the fallbacks.
    public static readonly Option<string?> Token = new("--token")
    {
        Description = "Bearer credential (environment LIBERTERRA_TOKEN, or the config file); issue one with `liberterra token issue`.",
        Recursive = true,
    };

    /// <summary>The credential: <c>--token</c>, else <c>LIBERTERRA_TOKEN</c>, else the config file's <c>token</c>; null if none.</summary>
    public static string? TokenOf(ParseResult parse) =>
        parse.GetValue(Token) is { Length: > 0 } given ? given : FromEnvironment("LIBERTERRA_TOKEN") ?? FromConfig("token");

    public static HttpClient Client(ParseResult parse)
    {
        var http = new HttpClient { BaseAddress = parse.GetValue(Server), Timeout = TimeSpan.FromSeconds(30) };
        if (TokenOf(parse) is { Length: > 0 } token)
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
