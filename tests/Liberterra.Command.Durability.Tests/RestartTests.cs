using System.Net;
using System.Net.Http.Json;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Durability.Tests;

public class RestartTests
{
    [Fact]
    public async Task after_a_restart_the_state_and_every_key_are_intact()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("restart");
        string op;
        OperationView before;
        string firstAnswer;
        await using (var server = await InProcessServer.StartAsync(connectionString))
        {
            op = await Scenario.Define(server.Http);
            for (var i = 0; i < 40; i++)
            {
                var response = await Post(server.Http, op, Scenario.Teams[i % 6], $"restart-key-{i:D4}", new { children = i % 3, women = 1, arrested = i % 2 });
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }

            firstAnswer = await (await Post(server.Http, op, "AR-RAID-01", "restart-key-0000", new { children = 0, women = 1, arrested = 0 })).Content.ReadAsStringAsync();
            before = await Scenario.State(server.Http, op);
        }

        await using (var server = await InProcessServer.StartAsync(connectionString))
        {
            var after = await Scenario.State(server.Http, op);
            Assert.Equal(before, after with { Regions = before.Regions, Teams = before.Teams, Orders = before.Orders, Distress = before.Distress, Agencies = before.Agencies, Viewer = before.Viewer });
            Assert.Equal(before.Viewer!.SeesAll, after.Viewer!.SeesAll);
            Assert.Equal(before.Teams.Select(t => (t.Id, t.Totals, t.LastSeq)), after.Teams.Select(t => (t.Id, t.Totals, t.LastSeq)));
            Assert.Equal(before.Regions.Select(r => (r.Id, r.Totals)), after.Regions.Select(r => (r.Id, r.Totals)));

            var retry = await Post(server.Http, op, "AR-RAID-01", "restart-key-0000", new { children = 0, women = 1, arrested = 0 });
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
            Assert.Equal(firstAnswer, await retry.Content.ReadAsStringAsync());
            Assert.Equal(41, (await Scenario.State(server.Http, op)).LastSeq);
        }
    }

    /// <summary>Two silos of one cluster (ADO.NET clustering on PostgreSQL); the same key posted to both at once.</summary>
    [Fact]
    public async Task the_same_key_racing_through_two_silos_makes_one_event()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("race");
        var cluster = $"race-{Guid.NewGuid():N}";
        await using var a = await InProcessServer.StartAsync(connectionString, cluster);
        await using var b = await InProcessServer.StartAsync(connectionString, cluster);
        var op = await Scenario.Define(a.Http);
        await Wait.Until(() => b.Http.GetAsync($"/api/operations/{op}"), r => r.IsSuccessStatusCode, what: "silo B to see the operation");

        var statuses = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            var key = $"race-key-{i:D4}";
            var body = new { children = 1, arrested = 1 };
            var team = Scenario.Teams[i % 6];
            var answers = await Task.WhenAll(Post(a.Http, op, team, key, body), Post(b.Http, op, team, key, body),
                Post(a.Http, op, team, key, body), Post(b.Http, op, team, key, body));
            return answers.Select(r => r.StatusCode).ToList();
        }));

        Assert.All(statuses, s => Assert.Equal(1, s.Count(c => c == HttpStatusCode.Created)));
        Assert.All(statuses, s => Assert.Equal(3, s.Count(c => c == HttpStatusCode.OK)));
        var keys = await Scenario.KeysInTimeline(connectionString, op);
        Assert.Equal(60, keys.Keys.Count(k => k.StartsWith("race-key-", StringComparison.Ordinal)));
        Assert.All(keys.Values, n => Assert.Equal(1, n));
        Assert.Equal(60, (await Scenario.State(a.Http, op)).Totals.Children);
        Assert.Equal(60, (await Scenario.State(b.Http, op)).Totals.Children);
        await Scenario.AssertGapFree(connectionString, op);
    }

    private static Task<HttpResponseMessage> Post(HttpClient http, string op, string team, string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/operations/{op}/teams/{team}/reports") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return http.SendAsync(request);
    }
}
