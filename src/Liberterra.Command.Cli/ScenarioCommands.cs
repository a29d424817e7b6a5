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
        var exercise = new Option<bool>("--exercise")
        {
            Description = "Load an exercise copy instead: its window starts now (the same length), on a compressed clock (--clock-speed), under its own id.",
        };
        var speed = new Option<double?>("--clock-speed")
        {
            Description = $"With --exercise: how many times faster than real time the copy's clock runs (1 to {Domain.OperationClock.MaxSpeed:0}; default 600: six days in 14 minutes).",
        };
        var id = new Option<string?>("--id") { Description = "With --exercise: the copy's operation id (default: the scenario's id, -exercise- and the UTC time)." };
        var load = new System.CommandLine.Command("load", "Create or update the operation defined in FILE (loading it twice changes nothing).") { file, exercise, speed, id };
        load.SetAction((parse, ct) => Load(parse, parse.GetValue(file)!,
            parse.GetValue(exercise) ? new ExerciseCopy(parse.GetValue(speed) ?? 600, parse.GetValue(id)) : null, ct));
        return new System.CommandLine.Command("scenario", "Scenario files.") { load };
    }

    /// <summary>An exercise copy of a scenario: its clock speed and, if given, its id.</summary>
    private sealed record ExerciseCopy(double ClockSpeed, string? Id);

    private static async Task<int> Load(ParseResult parse, FileInfo file, ExerciseCopy? copy, CancellationToken ct)
    {
        if (copy is null && (parse.GetResult("--clock-speed") is not null || parse.GetResult("--id") is not null))
        {
            await Console.Error.WriteLineAsync("liberterra: --clock-speed and --id go with --exercise (a scenario's own operation keeps its id and real time).");
            return 2;
        }

        if (!file.Exists)
        {
            await Console.Error.WriteLineAsync($"liberterra: no such file: {file.FullName}");
            return 2;
        }

        var text = await File.ReadAllTextAsync(file.FullName, ct);
        string? id;
        try
        {
            var scenario = JsonNode.Parse(text);
            id = scenario?["id"]?.GetValue<string>();
            if (copy is not null && scenario is JsonObject definition && !string.IsNullOrEmpty(id))
            {
                id = ToExercise(definition, id, copy, DateTimeOffset.UtcNow);
                text = definition.ToJsonString();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            await Console.Error.WriteLineAsync($"liberterra: {file.Name} is not a scenario file: {ex.Message}");
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
                          $"window {view.WindowStart:yyyy-MM-dd HH:mm} to {view.WindowEnd:yyyy-MM-dd HH:mm} UTC{(view.Exercise ? ", EXERCISE" : "")}" +
                          $"{(view.ClockSpeed is { } speed ? $", clock {speed:0.#}x real time (the window passes in {TimeSpan.FromTicks((long)((view.WindowEnd - view.WindowStart).Ticks / speed)):hh\\:mm\\:ss})" : "")}.");
        return 0;
    }

    /// <summary>
    /// Makes <paramref name="definition"/> an exercise copy: its own id, "(exercise)" after its name, its window moved to
    /// start now (the same length) and a compressed clock. Returns the copy's id.
    /// </summary>
    private static string ToExercise(JsonObject definition, string id, ExerciseCopy copy, DateTimeOffset now)
    {
        var start = definition["windowStart"]?.GetValue<DateTimeOffset>() ?? throw new FormatException("it has no \"windowStart\"");
        var end = definition["windowEnd"]?.GetValue<DateTimeOffset>() ?? throw new FormatException("it has no \"windowEnd\"");
        var from = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var copyId = copy.Id ?? $"{id}-exercise-{from:yyyyMMdd-HHmmss}";
        definition["id"] = copyId;
        definition["name"] = $"{definition["name"]?.GetValue<string>() ?? id} (exercise)";
        definition["exercise"] = true;
        definition["clockSpeed"] = copy.ClockSpeed;
        definition["windowStart"] = from;
        definition["windowEnd"] = from + (end - start);
        return copyId;
    }
}
