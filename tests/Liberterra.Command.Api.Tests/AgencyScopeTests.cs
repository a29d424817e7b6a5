using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// Need-to-know over real HTTP and WebSockets: an agency's credentials see their own teams in full, the others' as
/// they share them, and nothing of a team that shares counts only; every read path (the snapshot, a team, its reports,
/// the ticker, the timeline, a past state, the exports, the after-action report, orders, distress calls and the live
/// frames) is checked for the marked secrets of the teams it may not see in full.
/// </summary>
[Collection(ServerCollection.Name)]
public class AgencyScopeTests(ServerFixture server)
{
    // CC coordinates; A shares full with B, summary with the rest; B shares full with everyone; C counts only; D summary.
    internal static string Definition(string op) => $$"""
        {"name":"Need to know","windowStart":"{{DateTimeOffset.UtcNow.Date.AddDays(-1):O}}","windowEnd":"{{DateTimeOffset.UtcNow.Date.AddDays(5):O}}","exercise":true,
         "agencies":[{"id":"CC","name":"Coordination centre","kind":"CoordinationCentre","coordinator":true},
                     {"id":"A","name":"Agency A","countryCode":"AR","kind":"NationalPolice","shares":"Summary","fullWith":["B"]},
                     {"id":"B","name":"Agency B","countryCode":"BR","kind":"NationalPolice","shares":"Full"},
                     {"id":"C","name":"Agency C","countryCode":"KW","kind":"NationalPolice","shares":"CountsOnly"},
                     {"id":"D","name":"Agency D","countryCode":"MK","kind":"BorderService"}],
         "regions":[{"id":"R1","name":"Region 1","countryCode":"AR","centroid":{"latitude":-34.6,"longitude":-64.2},"exploitationTypes":["ForcedLabour"]},
                    {"id":"R2","name":"Region 2","countryCode":"MK","centroid":{"latitude":41.6,"longitude":21.7},"exploitationTypes":["ForcedLabour"]}],
         "teams":[{"id":"A-1","kind":"RaidTeam","regionId":"R1","callSign":"Alpha 1","agency":"A"},
                  {"id":"B-1","kind":"RaidTeam","regionId":"R1","callSign":"Bravo 1","agency":"B"},
                  {"id":"C-1","kind":"RaidTeam","regionId":"R2","callSign":"Charlie 1","agency":"C"},
                  {"id":"D-1","kind":"RaidTeam","regionId":"R2","callSign":"Delta 1","agency":"D"}]}
        """;

    private static readonly string[] Teams = ["A-1", "B-1", "C-1", "D-1"];

    // Each team's secrets: its note, its reason, its lead's name and a latitude no other team reports.
    private static string Note(string team) => $"NOTE-{team}-secret";

    private static string Reason(string team) => $"WHY-{team}-secret";

    private static string Lead(string team) => $"lead-{team}-name";

    private static double Latitude(string team) => -20.123 - Array.IndexOf(Teams, team) / 1000.0;

    private async Task<string> Operation()
    {
        var op = $"ntk-{Guid.NewGuid():N}"[..20];
        using var put = await server.Http.PutAsync($"/api/operations/{op}", new StringContent(Definition(op), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        return op;
    }

    private async Task Activity(string op)
    {
        foreach (var team in Teams)
        {
            using var lead = server.Server.Client(TestAuth.Token(Roles.TeamLead, Lead(team), [team]));
            var report = await Api.PostReport(lead, op, team,
                new { status = "Briefed", children = 1, arrested = 1, note = Note(team), position = new { latitude = Latitude(team), longitude = 10.5 }, exploitationTypes = new[] { "ForcedBegging" } }, Api.NewKey());
            Assert.Equal(HttpStatusCode.Created, report.StatusCode);
            var seq = (await report.Content.ReadFromJsonAsync<ReportAck>(Api.Json))!.Seq;
            Assert.Equal(HttpStatusCode.Created, (await Api.PostRaw(lead, $"/api/operations/{op}/teams/{team}/corrections",
                $$"""{"corrects":{{seq}},"women":1,"reason":"{{Reason(team)}}"}""", Api.NewKey())).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await Api.PostRaw(lead, $"/api/operations/{op}/teams/{team}/distress",
                $$$"""{"position":{"latitude":{{{Latitude(team)}}},"longitude":10.5}}""", Api.NewKey())).StatusCode);
        }

        // A coordinator's order to every team, answered by each with a reason.
        var order = await Api.PostRaw(server.Http, $"/api/operations/{op}/orders", """{"kind":"Hold","text":"Hold for the convoy","all":true}""", Api.NewKey());
        var orderSeq = (await order.Content.ReadFromJsonAsync<CommandAck>(Api.Json))!.Seq;
        foreach (var team in Teams)
        {
            using var lead = server.Server.Client(TestAuth.Token(Roles.TeamLead, Lead(team), [team]));
            Assert.Equal(HttpStatusCode.Created, (await Api.PostRaw(lead, $"/api/operations/{op}/teams/{team}/orders/{orderSeq}/answer",
                $$"""{"answer":"Unable","reason":"{{Reason(team)}}"}""", Api.NewKey())).StatusCode);
        }

        // Every team's first report is marked significant by the coordinator.
        var admin = server.Http;
        var timeline = await admin.GetFromJsonAsync<TimelinePage>($"/api/operations/{op}/timeline?kind=FieldReported", Api.Json);
        foreach (var e in timeline!.Events)
            Assert.Equal(HttpStatusCode.Created, (await Api.PostRaw(admin, $"/api/operations/{op}/significant", $$"""{"seq":{{e.Seq}},"title":"Raid {{e.TeamId}}"}""", null)).StatusCode);
    }

    [Fact]
    public async Task every_read_of_an_agency_holds_its_teams_in_full_the_others_as_shared_and_totals_of_the_whole()
    {
        var op = await Operation();
        await Activity(op);
        var whole = await Api.Operation(server.Http, op);

        foreach (var role in new[] { Roles.Commander, Roles.Debriefer })
        {
            using var a = server.Server.Client(TestAuth.AgencyToken(role, "A"));
            var view = (await a.GetFromJsonAsync<OperationView>($"/api/operations/{op}", Api.Json))!;
            Assert.Equal(["A-1", "B-1", "D-1"], view.Teams.Select(t => t.Id).Order());
            Assert.Equal(whole.Totals, view.Totals);
            Assert.Equal(whole.Regions.Select(r => r.Totals), view.Regions.Select(r => r.Totals));
            Assert.Equal(["D-1"], view.Regions.Single(r => r.Id == "R2").TeamIds);
            Assert.Equal(view.Teams.Count(t => t.Status is "Briefed" or "EnRoute" or "OnSite" or "Engaged" or "Extracting" or "Holding"), view.TeamsActive);
            Assert.Equal(whole.TeamsActive - 1, view.TeamsActive);                  // C-1 is not counted for A
            var summary = view.Teams.Single(t => t.Id == "D-1");
            Assert.Equal("Summary", summary.Sharing);
            Assert.Null(summary.Position);
            Assert.Empty(summary.ExploitationFound);
            Assert.NotNull(view.Teams.Single(t => t.Id == "B-1").Position);        // B shares full
            Assert.Null(view.Teams.Single(t => t.Id == "A-1").Sharing);
            Assert.Equal(new ViewerView("A", "Agency A", "AR", false, ["B"], ["CC", "D"], ["C"]), view.Viewer! with
            {
                Full = [.. view.Viewer!.Full], Summary = [.. view.Viewer.Summary], CountsOnly = [.. view.Viewer.CountsOnly],
            }, new ViewerComparer());

            // Every read path: nothing of C-1 at all, nothing withheld of D-1, A's own secrets present (the control).
            string[] paths =
            [
                $"/api/operations/{op}", $"/api/operations/{op}/ticker?limit=200", $"/api/operations/{op}/orders", $"/api/operations/{op}/distress",
                $"/api/operations/{op}/teams/D-1", $"/api/operations/{op}/teams/D-1/reports", $"/api/operations/{op}/teams/D-1/orders",
                $"/api/operations/{op}/regions/R2", "/api/operations",
                $"/api/operations/{op}/timeline?limit=1000", $"/api/operations/{op}/state?seq=12", $"/api/operations/{op}/state?seq={whole.LastSeq}",
                $"/api/operations/{op}/export/timeline.csv", $"/api/operations/{op}/export/timeline.json", $"/api/operations/{op}/export/positions.geojson",
                $"/api/operations/{op}/export/hotspots.geojson", $"/api/operations/{op}/export/operation.kml",
                $"/api/operations/{op}/report", $"/api/operations/{op}/significant",
            ];
            var seenOwnNote = false;
            foreach (var path in paths)
            {
                using var response = await a.GetAsync(path);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{role} {path}: {(int)response.StatusCode}");
                var text = await response.Content.ReadAsStringAsync();
                NoneWithheld(text, $"{role} {path}");
                seenOwnNote |= text.Contains(Note("A-1"), StringComparison.Ordinal);
            }

            Assert.True(seenOwnNote, "agency A never saw its own team's note: the check above would prove nothing");
        }
    }

    /// <summary>Nothing of C-1 (counts only), and none of D-1's note, reason, lead or position (summary).</summary>
    private static void NoneWithheld(string text, string where)
    {
        Assert.False(text.Contains("C-1", StringComparison.Ordinal) || text.Contains("Charlie", StringComparison.Ordinal), $"{where} names the hidden team: {Excerpt(text, "C-1")}");
        foreach (var secret in new[] { Note("C-1"), Note("D-1"), Reason("D-1"), Lead("D-1"), Lead("C-1"), Latitude("D-1").ToString(System.Globalization.CultureInfo.InvariantCulture) })
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{where} holds {secret}: {Excerpt(text, secret)}");
    }

    private static string Excerpt(string text, string what)
    {
        var at = Math.Max(0, text.IndexOf(what, StringComparison.Ordinal) - 200);
        return text.Substring(at, Math.Min(400, text.Length - at));
    }

    [Fact]
    public async Task a_team_an_agency_does_not_see_is_answered_like_a_team_that_does_not_exist()
    {
        var op = await Operation();
        using var a = server.Server.Client(TestAuth.AgencyToken(Roles.Commander, "A"));
        foreach (var suffix in new[] { "", "/reports", "/orders" })
        {
            using var hidden = await a.GetAsync($"/api/operations/{op}/teams/C-1{suffix}");
            using var missing = await a.GetAsync($"/api/operations/{op}/teams/Z-9{suffix}");
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
            Assert.Equal(Shape(await Api.Problem(missing), "Z-9"), Shape(await Api.Problem(hidden), "C-1"));
        }

        using var timelineHidden = await a.GetAsync($"/api/operations/{op}/timeline?team=C-1");
        using var timelineMissing = await a.GetAsync($"/api/operations/{op}/timeline?team=Z-9");
        Assert.Equal(Shape(await Api.Problem(timelineMissing), "Z-9"), Shape(await Api.Problem(timelineHidden), "C-1"));

        using var orderHidden = await Api.PostRaw(a, $"/api/operations/{op}/orders", """{"kind":"Hold","text":"x","teamId":"C-1"}""", Api.NewKey());
        using var orderMissing = await Api.PostRaw(a, $"/api/operations/{op}/orders", """{"kind":"Hold","text":"x","teamId":"Z-9"}""", Api.NewKey());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, orderHidden.StatusCode);
        Assert.Equal(Shape(await Api.Problem(orderMissing), "Z-9"), Shape(await Api.Problem(orderHidden), "C-1"));
    }

    // A refusal with its id taken out: what must not differ between a hidden team and one that does not exist.
    private static string Shape(JsonObject problem, string id) => problem.ToJsonString().Replace(id, "{id}", StringComparison.Ordinal)
        .Replace(problem["traceId"]?.ToString() ?? "\u0000", "{trace}", StringComparison.Ordinal);

    [Fact]
    public async Task an_agencys_commander_directs_and_changes_its_own_teams_only_and_the_audit_trail_names_its_agency()
    {
        var op = await Operation();
        using var a = server.Server.Client(TestAuth.AgencyToken(Roles.Commander, "A", "commander-of-a"));
        using var cc = server.Server.Client(TestAuth.AgencyToken(Roles.Commander, "CC"));

        Assert.Equal(HttpStatusCode.Created, (await Api.PostRaw(a, $"/api/operations/{op}/orders", """{"kind":"Hold","text":"own","teamId":"A-1"}""", Api.NewKey())).StatusCode);
        using var toB = await Api.PostRaw(a, $"/api/operations/{op}/orders", """{"kind":"Hold","text":"not mine","teamId":"B-1"}""", Api.NewKey());
        Assert.Equal(HttpStatusCode.Forbidden, toB.StatusCode);
        Assert.Equal("other-agency", (await Api.Problem(toB))["rules"]![0]!["code"]!.ToString());
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.PostRaw(a, $"/api/operations/{op}/orders", """{"kind":"Hold","text":"all","all":true}""", Api.NewKey())).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Api.PostRaw(cc, $"/api/operations/{op}/orders", """{"kind":"Hold","text":"all","all":true}""", Api.NewKey())).StatusCode);

        // Definition: adding a team of its own is allowed, touching another agency's is not.
        var definition = JsonNode.Parse(Definition(op))!.AsObject();
        definition["teams"]!.AsArray().Add(JsonNode.Parse("""{"id":"A-2","kind":"RaidTeam","regionId":"R1","callSign":"Alpha 2","agency":"A"}"""));
        using (var own = await a.PutAsync($"/api/operations/{op}", new StringContent(definition.ToJsonString(), Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        definition["teams"]!.AsArray().RemoveAt(1);                                        // B-1
        using (var other = await a.PutAsync($"/api/operations/{op}", new StringContent(definition.ToJsonString(), Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);

        // Marks: its own team's events only.
        using var lead = server.Server.Client(TestAuth.Token(Roles.TeamLead, ["D-1"]));
        var report = await Api.PostReport(lead, op, "D-1", new { children = 1 }, Api.NewKey());
        var seq = (await report.Content.ReadFromJsonAsync<ReportAck>(Api.Json))!.Seq;
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.PostRaw(a, $"/api/operations/{op}/significant", $$"""{"seq":{{seq}},"title":"not ours"}""", null)).StatusCode);

        await using var db = NpgsqlDataSource.Create(server.ConnectionString);
        var agencies = await Wait.Until(async () =>
        {
            await using var cmd = db.CreateCommand("SELECT status, detail->>'agency' FROM audit_log WHERE actor = 'commander-of-a' AND target LIKE $1");
            cmd.Parameters.Add(new NpgsqlParameter { Value = $"{op}%" });
            await using var reader = await cmd.ExecuteReaderAsync();
            var rows = new List<(int, string?)>();
            while (await reader.ReadAsync()) rows.Add((reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
            return rows;
        }, rows => rows.Count >= 6, what: "agency A's commander's writes in the audit trail");
        Assert.All(agencies, r => Assert.Equal("A", r.Item2));
        Assert.Contains(agencies, r => r.Item1 == 403);
    }

    [Fact]
    public async Task a_raw_websocket_of_an_agency_never_receives_a_withheld_note_in_any_frame()
    {
        var op = await Operation();
        using var socket = new ClientWebSocket();
        var address = new UriBuilder(server.Server.Address) { Scheme = server.Server.Address.Scheme == "https" ? "wss" : "ws", Path = HubMessages.Path,
            Query = $"access_token={Uri.EscapeDataString(TestAuth.AgencyToken(Roles.Wall, "A"))}" }.Uri;
        await socket.ConnectAsync(address, CancellationToken.None);
        const char End = '\u001e';
        await Send(socket, """{"protocol":"json","version":1}""" + End);
        await Send(socket, $$"""{"type":1,"invocationId":"1","target":"JoinOperation","arguments":["{{op}}"]}""" + End);

        var frames = new StringBuilder();
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close) break;
                lock (frames) frames.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            }
        });
        await Wait.Until(() => Task.FromResult(Text()), t => t.Contains("\"invocationId\":\"1\"", StringComparison.Ordinal), what: "the snapshot");
        await Activity(op);
        var last = (await Api.Operation(server.Http, op)).LastSeq;
        await Wait.Until(() => Task.FromResult(Text()), t => t.Contains($"\"seq\":{last},", StringComparison.Ordinal), what: $"the delta of event {last}");
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);

        var all = Text();
        NoneWithheld(all, "a frame to agency A's wall");
        Assert.Contains(Note("A-1"), all);                       // its own team's note did arrive: the wall was live
        Assert.Contains("\"kind\":\"Withheld\"", all);          // C-1's changes came as totals only
        string Text()
        {
            lock (frames) return frames.ToString();
        }
    }

    [Fact]
    public async Task a_replay_for_an_agencys_debriefer_holds_what_its_agency_may_see_and_no_more()
    {
        var op = await Operation();
        await Activity(op);
        var last = (await Api.Operation(server.Http, op)).LastSeq;
        await using var hub = await Hubs.Connect(server.Server.Address, TestAuth.AgencyToken(Roles.Debriefer, "A"), ReplayMessages.Path);
        var received = new List<OperationDelta>();
        var ended = new TaskCompletionSource();
        hub.On<string, OperationDelta[]>(ReplayMessages.Deltas, (_, deltas) => { lock (received) received.AddRange(deltas); });
        hub.On<ReplayStatus>(ReplayMessages.Status, s => { if (s.State == "ended") ended.TrySetResult(); });
        var started = await hub.InvokeAsync<ReplayStarted>("StartReplay", new ReplayRequest(op, Speed: 3600));
        await ended.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var all = System.Text.Json.JsonSerializer.Serialize(new object[] { started.Snapshot, received }, Api.Json);
        NoneWithheld(all, "agency A's replay");
        Assert.Contains(Note("A-1"), all);
        Assert.Equal(Enumerable.Range(2, (int)last - 1).Select(i => (long)i), received.Select(d => d.Seq));   // every event, withheld or not
    }

    private static Task Send(ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    private sealed class ViewerComparer : IEqualityComparer<ViewerView>
    {
        public bool Equals(ViewerView? x, ViewerView? y) =>
            x is not null && y is not null && x.Agency == y.Agency && x.Name == y.Name && x.CountryCode == y.CountryCode && x.SeesAll == y.SeesAll
            && x.Full.SequenceEqual(y.Full) && x.Summary.SequenceEqual(y.Summary) && x.CountsOnly.SequenceEqual(y.CountsOnly);

        public int GetHashCode(ViewerView obj) => 0;
    }
}
