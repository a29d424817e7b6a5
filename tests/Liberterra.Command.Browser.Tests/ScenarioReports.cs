
namespace Liberterra.Command.Browser.Tests;

/// <summary>
/// A repeatable stretch of field reports over a scenario: most teams move through their lifecycle, find victims and
/// arrest suspects while engaged or extracting, report positions near their hotspot, and sometimes leave a note.
/// </summary>
internal static class ScenarioReports
{
    private static readonly string[] Path = ["Briefed", "EnRoute", "OnSite", "Engaged", "Extracting", "Completed"];
    private static readonly string[] Notes =
    [
        "Premises secured, all exits covered", "Victims handed to the NGO shelter", "Interpreter requested",
        "Two minors among the victims", "Vehicle stopped at the checkpoint", "Suspect identified from the flight manifest",
    ];

    public static async Task PlayAsync(HttpClient http, string op, int seed)
    {
        var random = new Random(seed);
        var operation = await Field.Operation(http, op);
        var regions = operation.Regions.ToDictionary(r => r.Id);
        foreach (var team in operation.Teams)
        {
            if (random.NextDouble() < 0.2) continue;                   // some teams have not moved yet
            var steps = random.Next(1, Path.Length + 1);
            var centre = regions[team.RegionId].Centroid;
            foreach (var status in Path.Take(steps))
            {
                var engaged = status is "Engaged" or "Extracting";
                await Field.Report(http, op, team.Id, new
                {
                    status,
                    children = engaged ? random.Next(0, 4) : 0,
                    women = engaged ? random.Next(0, 6) : 0,
                    men = engaged ? random.Next(0, 3) : 0,
                    arrested = engaged ? random.Next(0, 5) : 0,
                    position = new { latitude = centre.Latitude + random.NextDouble() * 3 - 1.5, longitude = centre.Longitude + random.NextDouble() * 3 - 1.5 },
                    note = random.NextDouble() < 0.15 ? Notes[random.Next(Notes.Length)] : null,
                });
            }
        }
    
        // Command's part: orders to two hotspots and to one team, most of them acknowledged, one team unable.
        var staffed = operation.Regions.Where(r => r.TeamIds.Count > 1).OrderBy(r => r.Id, StringComparer.Ordinal).Take(2).ToList();
        var orders = new List<(long Seq, IReadOnlyList<string> Teams)>();
        foreach (var (region, kind, text) in staffed.Zip(new[] { ("Hold", "Hold at the staging point until 05:00"), ("Report", "Report your position and what you see") }, (r, o) => (r, o.Item1, o.Item2)))
            orders.Add((await Field.Order(http, op, new { kind, text, regionId = region.Id, dueInMinutes = 30 }), region.TeamIds));
        var single = operation.Teams[random.Next(operation.Teams.Count)].Id;
        orders.Add((await Field.Order(http, op, new { kind = "Abort", text = "Site compromised: abort and return to base", teamId = single, dueInMinutes = 15 }), [single]));
        foreach (var (seq, teams) in orders)
            foreach (var team in teams.Where(_ => random.NextDouble() < 0.7))
                await Field.Answer(http, op, team, seq, random.NextDouble() < 0.15 ? new { answer = "Unable", reason = (string?)"Vehicle down, continuing on foot" } : new { answer = "Acknowledged", reason = (string?)null });
    }
}
