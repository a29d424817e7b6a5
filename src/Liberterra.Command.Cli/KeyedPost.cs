using System.CommandLine;
using System.Net;
using System.Net.Http.Json;

namespace Liberterra.Command.Cli;

/// <summary>
/// A POST that must count once: its idempotency key is printed before anything is sent (if the answer is lost, the same
/// action is retried with <c>--key</c>), and a failure says whether to retry. Reports, corrections, orders, answers and
/// distress calls all go this way.
/// </summary>
internal static class KeyedPost
{
    /// <summary>
    /// Sends <paramref name="body"/> (none when null) to <paramref name="path"/> with <paramref name="key"/>; on success the
    /// answer (the caller disposes it), else the exit code after saying why: 3 when it may be retried, 1 when refused.
    /// </summary>
    public static async Task<(HttpResponseMessage? Answer, int Exit)> SendAsync(ParseResult parse, string path, object? body, string key, CancellationToken ct)
    {
        Console.WriteLine($"key {key}");
        using var http = ServerOptions.Client(parse);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body, body.GetType()) };
        request.Headers.Add("Idempotency-Key", key);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"liberterra: cannot reach {http.BaseAddress}: {e.Message}");
            await Console.Error.WriteLineAsync($"liberterra: nothing is known to be recorded; retry with --key {key}");
            return (null, 3);
        }

        if (response.IsSuccessStatusCode) return (response, 0);
        using (response)
        {
            await Console.Error.WriteLineAsync($"liberterra: {await Problems.Describe(response)}");
            if (response.StatusCode == HttpStatusCode.Forbidden && CredentialScope.Describe(ServerOptions.TokenOf(parse)) is { } scope)
                await Console.Error.WriteLineAsync($"liberterra: {scope}");
            if ((int)response.StatusCode >= 500) await Console.Error.WriteLineAsync($"liberterra: retry with --key {key}");
            return (null, (int)response.StatusCode >= 500 ? 3 : 1);
        }
    }
}
