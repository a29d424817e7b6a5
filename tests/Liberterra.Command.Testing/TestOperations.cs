using System.Net;
using System.Net.Http.Json;

namespace Liberterra.Command.Testing;

/// <summary>Operations the tests define through the public API, as an admin does with <c>PUT /api/operations/{id}</c>.</summary>
public static class TestOperations
{
    /// <summary>Argentina and North Macedonia, each with its own exploitation type.</summary>
    public static readonly object[] TwoRegions =
    [
        new { id = "AR", name = "Argentina", countryCode = "AR", centroid = new { latitude = -34.6, longitude = -64.2 }, exploitationTypes = new[] { "forced-labour" } },
        new { id = "MK", name = "North Macedonia", countryCode = "MK", centroid = new { latitude = 41.6, longitude = 21.7 }, exploitationTypes = new[] { "SexualExploitation" } },
    ];

    /// <summary>Two teams in each of <see cref="TwoRegions"/>: a raid team and a border checkpoint in AR, two raid teams in MK.</summary>
    public static readonly object[] FourTeams =
    [
        new { id = "AR-RAID-01", kind = "RaidTeam", regionId = "AR", callSign = "Condor 1", agency = "Police" },
        new { id = "AR-BCP-01", kind = "border-checkpoint", regionId = "AR", callSign = "Gate 1", agency = "Border police" },
        new { id = "MK-RAID-01", kind = "RaidTeam", regionId = "MK", callSign = "Vardar 1", agency = "Police" },
        new { id = "MK-RAID-02", kind = "RaidTeam", regionId = "MK", callSign = "Vardar 2", agency = "Police" },
    ];

    /// <summary>
    /// The small operation most tests use (<see cref="TwoRegions"/>, <see cref="FourTeams"/>), six days long, whose window
    /// started <paramref name="startedDaysAgo"/> days before today (UTC); returns its new id.
    /// </summary>
    public static Task<string> DefineSmallAsync(HttpClient http, string name, bool exercise, int startedDaysAgo = 1) =>
        DefineAsync(http, "op", name, exercise, TwoRegions, FourTeams, startedDaysAgo);

    /// <summary>
    /// Defines an operation with a new id (<paramref name="idPrefix"/> and random characters, 16 in all), a six-day window
    /// that started <paramref name="startedDaysAgo"/> days before today (UTC), and the regions and teams given as the API
    /// takes them (or with the <paramref name="id"/> given); fails unless the server answers 201.
    /// </summary>
    public static async Task<string> DefineAsync(
        HttpClient http, string idPrefix, string name, bool exercise, IEnumerable<object> regions, IEnumerable<object> teams, int startedDaysAgo = 1,
        string? id = null)
    {
        id ??= $"{idPrefix}-{Guid.NewGuid():N}"[..16];
        var start = DateTimeOffset.UtcNow.Date.AddDays(-startedDaysAgo);
        var response = await http.PutAsJsonAsync($"/api/operations/{id}", new
        {
            name,
            windowStart = start,
            windowEnd = start.AddDays(6),
            exercise,
            regions,
            teams,
        });
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException(
                $"Defining operation {id} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return id;
    }

    /// <summary>
    /// An exercise of <see cref="TwoRegions"/> and <see cref="FourTeams"/> on a compressed clock, <paramref name="clockSpeed"/>
    /// times real time, whose six-day window started <paramref name="startedAgo"/> ago in real time; returns its id and
    /// window start.
    /// </summary>
    public static async Task<(string Id, DateTimeOffset WindowStart)> DefineExerciseAsync(HttpClient http, double clockSpeed, TimeSpan startedAgo)
    {
        var id = $"ex-{Guid.NewGuid():N}"[..16];
        var now = DateTimeOffset.UtcNow - startedAgo;
        var start = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
        var response = await http.PutAsJsonAsync($"/api/operations/{id}", new
        {
            name = "Clock exercise", windowStart = start, windowEnd = start.AddDays(6), exercise = true, clockSpeed,
            regions = TwoRegions, teams = FourTeams,
        });
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"Defining exercise {id} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (id, start);
    }
}
