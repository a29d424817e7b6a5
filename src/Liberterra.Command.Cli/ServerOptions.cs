using System.CommandLine;

namespace Liberterra.Command.Cli;

/// <summary>Where the server is: <c>--server</c>, else <c>LIBERTERRA_SERVER</c>, else the local default.</summary>
internal static class ServerOptions
{
    public const string DefaultServer = "http://localhost:5080";

    public static readonly Option<Uri> Server = new("--server")
    {
        Description = $"The server's base address (environment LIBERTERRA_SERVER; default {DefaultServer}).",
        Recursive = true,
        DefaultValueFactory = _ => new Uri(Environment.GetEnvironmentVariable("LIBERTERRA_SERVER") is { Length: > 0 } env ? env : DefaultServer),
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : DefaultServer;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri;
            result.AddError($"--server must be an http or https address such as {DefaultServer} (got '{text}').");
            return null;
        },
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "Bearer credential (environment LIBERTERRA_TOKEN); issue one with `liberterra token issue`.",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LIBERTERRA_TOKEN"),
    };

    public static HttpClient Client(ParseResult parse)
    {
        var http = new HttpClient { BaseAddress = parse.GetValue(Server), Timeout = TimeSpan.FromSeconds(30) };
        if (parse.GetValue(Token) is { Length: > 0 } token)
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
