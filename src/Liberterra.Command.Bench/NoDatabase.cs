using System.CommandLine;

namespace Liberterra.Command.Bench;

/// <summary>
/// The no-database reference of the storage and wall benchmarks: the same requests through a second server whose
/// storage is in memory (<c>Silo:Storage=Memory</c>, same signing key), which the durable path cannot beat.
/// </summary>
internal static class NoDatabase
{
    public static readonly Option<Uri?> Server = new("--memory-server")
    {
        Description = "A second server with Silo:Storage=Memory and the same signing key: every step also runs through it, with no database.",
        CustomParser = result =>
        {
            var text = result.Tokens[^1].Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri;
            result.AddError($"--memory-server must be an http or https address (got '{text}').");
            return null;
        },
    };

    /// <summary>A client for it with the same credential and timeout as <paramref name="like"/>; null without one.</summary>
    public static HttpClient? Client(Uri? address, HttpClient like) => address is null ? null
        : new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 2000 })
        {
            BaseAddress = address,
            Timeout = like.Timeout,
            DefaultRequestHeaders = { Authorization = like.DefaultRequestHeaders.Authorization },
        };
}
