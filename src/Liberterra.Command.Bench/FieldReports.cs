using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Liberterra.Command.Bench;

/// <summary>A field report as the benchmarks send it: its sequence number when acknowledged (201), else the error counted.</summary>
internal static class FieldReports
{
    public static Task<long?> PostAsync(HttpClient http, string? token, string operation, string team, string key, object body,
        ErrorTally errors, CancellationToken ct) =>
        PostAsync(http, token, $"/api/operations/{operation}/teams/{team}/reports", key, body, errors, ct);

    /// <summary>A distress press, as the field page sends it: its sequence number when acknowledged.</summary>
    public static Task<long?> DistressAsync(HttpClient http, string token, string operation, string team, string key, ErrorTally errors, CancellationToken ct) =>
        PostAsync(http, token, $"/api/operations/{operation}/teams/{team}/distress", key, new { }, errors, ct);

    private static async Task<long?> PostAsync(HttpClient http, string? token, string path, string key, object body, ErrorTally errors, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", key);
        try
        {
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode == System.Net.HttpStatusCode.Created)
                return (await response.Content.ReadFromJsonAsync<SeqOnly>(ct))!.Seq;
            var problem = await response.Content.ReadAsStringAsync(ct);
            errors.Add($"{(int)response.StatusCode} {problem[..Math.Min(problem.Length, 160)]}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            errors.Add($"connection: {e.Message}");
        }

        return null;
    }
}
