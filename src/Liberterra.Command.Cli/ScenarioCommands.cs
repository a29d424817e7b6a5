using System.CommandLine;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Liberterra.Command.Contracts;

namespace Liberterra.Command.Cli;

/// <summary><c>liberterra scenario load FILE</c>: creates or updates the operation a scenario file defines.</summary>
internal static class ScenarioCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static System.CommandLine.Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "A scenario file: an operation definition in JSON." };
        var load = new System.CommandLine.Command("load", "Create or update the operation defined in FILE (loading it twice changes nothing).") { file };
        load.SetAction((parse, ct) => Load(parse, parse.GetValue(file)!, ct));
        return new System.CommandLine.Command("scenario", "Scenario files.") { load };
    }

    private static async Task<int> Load(ParseResult parse, FileInfo file, CancellationToken ct)
    {
        if (!file.Exists)
        {
            await Console.Error.WriteLineAsync($"liberterra: no such file: {file.FullName}");
            return 2;
        }

        var text = await File.ReadAllTextAsync(file.FullName, ct);
        string? id;
        try
        {
            id = JsonNode.Parse(text)?["id"]?.GetValue<string>();
        }
        catch (JsonException ex)
        {
            await Console.Error.WriteLineAsync($"liberterra: {file.Name} is not valid JSON: {ex.Message}");
            return 2;
        }

        if (string.IsNullOrEmpty(id))
        {
            await Console.Error.WriteLineAsync($"liberterra: {file.Name} has no \"id\" naming the operation.");
            return 2;
        }

        using var http = ServerOptions.Client(parse);
        HttpResponseMessage response;
        try
        {
            response = await http.PutAsync($"/api/operations/{Uri.EscapeDataString(id)}", new StringContent(text, Encoding.UTF8, "application/json"), ct);
        }
        catch (HttpRequestException ex)
        {
            await Console.Error.WriteLineAsync($"liberterra: cannot reach {http.BaseAddress}: {ex.Message}");
            return 3;
        }

        if (!response.IsSuccessStatusCode)
        {
            await Console.Error.WriteLineAsync($"liberterra: {await Problems.Describe(response)}");
            return 1;
        }

        var view = JsonSerializer.Deserialize<OperationView>(await response.Content.ReadAsStringAsync(ct), Json)!;
        var verb = response.StatusCode == HttpStatusCode.Created ? "created" : "loaded (up to date)";
        Console.WriteLine($"{view.Id}: {verb}: {view.Name}, {view.Regions.Count} regions, {view.Teams.Count} teams, " +
                          $"window {view.WindowStart:yyyy-MM-dd HH:mm} to {view.WindowEnd:yyyy-MM-dd HH:mm} UTC{(view.Exercise ? ", EXERCISE" : "")}.");
        return 0;
    }
}
