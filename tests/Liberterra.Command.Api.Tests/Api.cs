using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Liberterra.Command.Contracts;

namespace Liberterra.Command.Api.Tests;

/// <summary>Small helpers for talking to the API as a client would.</summary>
internal static class Api
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string NewKey() => Guid.NewGuid().ToString();

    /// <summary>A small operation with regions AR and MK and two teams in each.</summary>
    public static async Task<string> DefineOperation(HttpClient http, bool exercise = true)
    {
        var id = $"op-{Guid.NewGuid():N}"[..16];
        var start = DateTimeOffset.UtcNow.Date.AddDays(-1);
        var body = new
        {
            name = "API test operation",
            windowStart = start,
            windowEnd = start.AddDays(6),
            exercise,
            regions = new object[]
            {
                new { id = "AR", name = "Argentina", countryCode = "AR", centroid = new { latitude = -34.6, longitude = -64.2 }, exploitationTypes = new[] { "forced-labour" } },
                new { id = "MK", name = "North Macedonia", countryCode = "MK", centroid = new { latitude = 41.6, longitude = 21.7 }, exploitationTypes = new[] { "SexualExploitation" } },
            },
            teams = new object[]
            {
                new { id = "AR-RAID-01", kind = "RaidTeam", regionId = "AR", callSign = "Condor 1", agency = "Police" },
                new { id = "AR-BCP-01", kind = "border-checkpoint", regionId = "AR", callSign = "Gate 1", agency = "Border police" },
                new { id = "MK-RAID-01", kind = "RaidTeam", regionId = "MK", callSign = "Vardar 1", agency = "Police" },
                new { id = "MK-RAID-02", kind = "RaidTeam", regionId = "MK", callSign = "Vardar 2", agency = "Police" },
            },
        };
        var response = await http.PutAsJsonAsync($"/api/operations/{id}", body);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return id;
    }

    public static Task<HttpResponseMessage> PostReport(HttpClient http, string op, string team, object body, string? key) =>
        PostRaw(http, $"/api/operations/{op}/teams/{team}/reports", JsonSerializer.Serialize(body, Json), key);

    public static Task<HttpResponseMessage> PostRaw(HttpClient http, string path, string json, string? key, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, contentType) };
        if (key is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        // As a careful client does: a body the server refuses on its headers (413) is then never sent.
        request.Headers.ExpectContinue = json.Length > 8192;
        return http.SendAsync(request);
    }

    public static async Task<OperationView> Operation(HttpClient http, string op) =>
        (await http.GetFromJsonAsync<OperationView>($"/api/operations/{op}", Json))!;

    public static async Task<JsonObject> Problem(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    public static IEnumerable<string> ErrorFields(JsonObject problem) =>
        problem["errors"]?.AsObject().Select(p => p.Key) ?? [];
}
