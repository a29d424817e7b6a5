using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Api.Tests;

/// <summary>Small helpers for talking to the API as a client would.</summary>
internal static class Api
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string NewKey() => Guid.NewGuid().ToString();

    /// <summary>A small operation with regions AR and MK and two teams in each, whose window started yesterday.</summary>
    public static Task<string> DefineOperation(HttpClient http, bool exercise = true) =>
        TestOperations.DefineSmallAsync(http, "API test operation", exercise);

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
