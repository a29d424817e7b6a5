using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Liberterra.Command.Api.Tests;

[Collection(ServerCollection.Name)]
public class OperationApiTests(ServerFixture server)
{
    private HttpClient Http => server.Http;

    [Fact]
    public async Task the_liberterra_ii_scenario_loads_and_reloading_it_changes_nothing()
    {
        var json = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "scenarios", "liberterra-ii.json"));
        var content = () => new StringContent(json, System.Text.Encoding.UTF8, "application/json");

        var first = await Http.PutAsync("/api/operations/liberterra-ii", content());
        Assert.True(first.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{first.StatusCode}");
        var again = await Http.PutAsync("/api/operations/liberterra-ii", content());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        var state = await Api.Operation(Http, "liberterra-ii");
        Assert.Equal(new DateTimeOffset(2024, 9, 29, 0, 0, 0, TimeSpan.Zero), state.WindowStart);
        Assert.Equal(new DateTimeOffset(2024, 10, 5, 0, 0, 0, TimeSpan.Zero), state.WindowEnd);
        Assert.True(state.Regions.Count >= 30, $"{state.Regions.Count} regions");
        Assert.Contains(state.Regions, r => r.Id == "AR" && r.ExploitationTypes.Contains("ForcedLabour"));
        Assert.Contains(state.Regions, r => r.Id == "MK" && r.ExploitationTypes.Contains("SexualExploitation"));
        Assert.Contains(state.Regions, r => r.Id == "IQ" && r.ExploitationTypes.Contains("DomesticServitude") && r.ExploitationTypes.Contains("ForcedBegging"));
        Assert.Equal(
            ["BorderCheckpoint", "FlightMonitoringDesk", "RaidTeam", "SpecialTaskForce"],
            state.Teams.Select(t => t.Kind).Distinct().Order());
        Assert.Equal(1, state.LastSeq);
    }

    [Fact]
    public async Task a_definition_with_errors_is_422_naming_every_field()
    {
        var body = new
        {
            name = "",
            windowStart = "2024-10-05T00:00:00Z",
            windowEnd = "2024-09-29T00:00:00Z",
            regions = new[] { new { id = "AR", name = "Argentina", centroid = new { latitude = -100, longitude = 0 } } },
            teams = new[] { new { id = "AR-RAID-01", kind = "Submarine", regionId = "XX", callSign = "C", agency = "P" } },
        };
        var response = await Http.PutAsJsonAsync("/api/operations/broken-op", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var fields = Api.ErrorFields(await Api.Problem(response)).ToList();
        Assert.Contains("teams[0].kind", fields);

        var fixedKind = body with { teams = [new { id = "AR-RAID-01", kind = "RaidTeam", regionId = "XX", callSign = "C", agency = "P" }] };
        var second = await Http.PutAsJsonAsync("/api/operations/broken-op", fixedKind);
        var secondFields = Api.ErrorFields(await Api.Problem(second)).ToList();
        Assert.Equal(["name", "regions[0].centroid.latitude", "teams[0].regionId", "windowEnd"], secondFields.Order());
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/api/operations/broken-op")).StatusCode);
    }

    [Fact]
    public async Task redefining_keeps_progress_but_refuses_to_drop_a_team_with_reports()
    {
        var op = await Api.DefineOperation(Http);
        Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(Http, op, "AR-RAID-01", new { children = 2 }, Api.NewKey())).StatusCode);
        var current = await Api.Operation(Http, op);

        var withoutTeam = new
        {
            name = "Renamed", windowStart = current.WindowStart, windowEnd = current.WindowEnd, exercise = true,
            regions = current.Regions.Select(r => new { r.Id, r.Name, r.CountryCode, centroid = r.Centroid, r.ExploitationTypes }),
            teams = current.Teams.Where(t => t.Id != "AR-RAID-01").Select(t => new { t.Id, t.Kind, t.RegionId, t.CallSign, t.Agency }),
        };
        var refused = await Http.PutAsJsonAsync($"/api/operations/{op}", withoutTeam);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("AR-RAID-01", (await Api.Problem(refused))["detail"]!.GetValue<string>());

        var renamed = withoutTeam with { teams = current.Teams.Select(t => new { t.Id, t.Kind, t.RegionId, t.CallSign, t.Agency }) };
        var updated = await Http.PutAsJsonAsync($"/api/operations/{op}", renamed);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var after = await Api.Operation(Http, op);
        Assert.Equal("Renamed", after.Name);
        Assert.Equal(2, after.Totals.Children);
    }

    [Fact]
    public async Task the_openapi_document_describes_the_api()
    {
        var doc = JsonNode.Parse(await Http.GetStringAsync("/openapi/v1.json"))!;
        var paths = doc["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/operations/{operationId}/teams/{teamId}/reports", paths);
        Assert.Contains("/api/operations/{operationId}", paths);
        Assert.Contains("/api/operations/{operationId}/regions/{regionId}", paths);
    }
}
