using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Browser.Tests;

/// <summary>What the tests do through the public API, as team leads and commanders would.</summary>
internal static class Field
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A small operation (regions AR and MK, two teams each) whose window holds today: its third day.</summary>
    public static Task<string> DefineOperation(HttpClient http, bool exercise = false) =>
        TestOperations.DefineSmallAsync(http, "Browser test operation", exercise, startedDaysAgo: 2);

    /// <summary>Loads a scenario file (an operation definition) as <c>liberterra scenario load</c> does.</summary>
    public static async Task<string> LoadScenario(HttpClient http, string file)
    {
        var json = await File.ReadAllTextAsync(file);
        var id = JsonDocument.Parse(json).RootElement.GetProperty("id").GetString()!;
        var response = await http.PutAsync($"/api/operations/{id}", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return id;
    }

    public static async Task<ReportAck> Report(HttpClient http, string op, string team, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/operations/{op}/teams/{team}/reports")
        {
            Content = new StringContent(JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var response = await http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<ReportAck>(Json))!;
    }

    /// <summary>Command gives an order (with the admin credential of <paramref name="http"/>); its number.</summary>
    public static async Task<long> Order(HttpClient http, string op, object body) => (await Command(http, $"/api/operations/{op}/orders", body)).Seq;

    /// <summary>A team's answer to an order, as its lead (or an admin) sends it.</summary>
    public static Task<CommandAck> Answer(HttpClient http, string op, string team, long order, object body) =>
        Command(http, $"/api/operations/{op}/teams/{team}/orders/{order}/answer", body);

    private static async Task<CommandAck> Command(HttpClient http, string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var response = await http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<CommandAck>(Json))!;
    }

    public static async Task<OperationView> Operation(HttpClient http, string op) =>
        (await http.GetFromJsonAsync<OperationView>($"/api/operations/{op}", Json))!;
}
