using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace Liberterra.Command.Api.Tests;

/// <summary>The debrief's reads: the timeline, past states (as the wall showed them), and exports that round-trip.</summary>
[Collection(ServerCollection.Name)]
public class DebriefApiTests(ServerFixture server)
{
    private HttpClient Http => server.Http;

    private async Task<string> OperationWithReports(int count)
    {
        var op = await Api.DefineOperation(Http);
        string[] teams = ["AR-RAID-01", "MK-RAID-01", "AR-BCP-01", "MK-RAID-02"];
        string[] statuses = ["Briefed", "EnRoute", "OnSite", "Engaged"];
        for (var i = 0; i < count; i++)
        {
            var team = teams[i % 4];
            var response = await Api.PostReport(Http, op, team, new
            {
                status = i / 4 < statuses.Length ? statuses[i / 4] : null,
                children = i % 3, women = i % 2, men = 1, arrested = i % 4,
                position = i % 2 == 0 ? new { latitude = -30.0 + i * 0.01, longitude = -60.0 } : null,
                note = i == 5 ? "=HYPERLINK(\"x\"), with \"quotes\"\nand a newline" : null,
                exploitationTypes = new[] { "ForcedLabour" },
            }, $"key-{op}-{i:D3}");
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        return op;
    }

    [Fact]
    public async Task the_timeline_pages_by_sequence_number_and_filters_by_team_region_kind_and_time()
    {
        var op = await OperationWithReports(12);
        var first = await (await Api.PostRaw(Http, $"/api/operations/{op}/teams/MK-RAID-01/corrections",
            """{"corrects":3,"men":-1,"reason":"counted twice"}""", Api.NewKey())).Content.ReadFromJsonAsync<ReportAck>(Api.Json);
        Assert.Equal(14, first!.Seq);

        var all = new List<TimelineEntry>();
        long? after = 0;
        while (after is { } a)
        {
            var page = await Http.GetFromJsonAsync<TimelinePage>($"/api/operations/{op}/timeline?after={a}&limit=5", Api.Json);
            all.AddRange(page!.Events);
            after = page.Next;
        }

        Assert.Equal(Enumerable.Range(1, 14).Select(i => (long)i), all.Select(e => e.Seq));
        Assert.Equal("OperationDefined", all[0].Kind);
        Assert.Equal(4, all[0].Definition!.Teams);
        Assert.Equal("ReportCorrected", all[^1].Kind);
        Assert.Equal("counted twice", all[^1].Report!.Reason);
        Assert.Equal("MK", all[^1].RegionId);

        var mk = await Http.GetFromJsonAsync<TimelinePage>($"/api/operations/{op}/timeline?region=MK&limit=100", Api.Json);
        Assert.All(mk!.Events, e => Assert.Equal("MK", e.RegionId));
        Assert.Equal(7, mk.Events.Count);   // 6 reports of MK-RAID-01/02 and the correction
        var one = await Http.GetFromJsonAsync<TimelinePage>($"/api/operations/{op}/timeline?team=AR-BCP-01&kind=FieldReported", Api.Json);
        Assert.Equal([4L, 8L, 12L], one!.Events.Select(e => e.Seq));
        var corrections = await Http.GetFromJsonAsync<TimelinePage>($"/api/operations/{op}/timeline?kind=ReportCorrected", Api.Json);
        Assert.Single(corrections!.Events);
        var from = Uri.EscapeDataString(all[5].ServerTime.ToString("O"));
        var to = Uri.EscapeDataString(all[8].ServerTime.ToString("O"));
        var window = await Http.GetFromJsonAsync<TimelinePage>($"/api/operations/{op}/timeline?from={from}&to={to}", Api.Json);
        Assert.Equal(all.Where(e => e.ServerTime >= all[5].ServerTime && e.ServerTime < all[8].ServerTime).Select(e => e.Seq), window!.Events.Select(e => e.Seq));

        foreach (var (query, field) in new[] { ("kind=Nope", "kind"), ("region=XX", "region"), ("team=NOPE-1", "team"), ("limit=0", "limit"), ("after=-1", "after"), ($"from={to}&to={from}", "to") })
        {
            var refused = await Http.GetAsync($"/api/operations/{op}/timeline?{query}");
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Contains(field, Api.ErrorFields(await Api.Problem(refused)));
        }
    }

    [Fact]
    public async Task the_state_at_any_event_is_what_a_wall_showed_after_it()
    {
        var op = await Api.DefineOperation(Http);
        await using var wall = await Hubs.Connect(server.Server.Address, TestAuth.Token(Roles.Wall));
        var deltas = Hubs.Deltas(wall);
        await wall.InvokeAsync<OperationView>("JoinOperation", op);
        var lead = server.Server.Client(TestAuth.Token(Roles.TeamLead, "AR-RAID-01", "MK-RAID-02"));
        for (var i = 0; i < 20; i++)
        {
            var body = i % 5 == 4 ? (object)new { status = i < 10 ? "Briefed" : "EnRoute", arrested = 2 } : new { children = i % 3, women = 1 };
            Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(lead, op, i % 2 == 0 ? "AR-RAID-01" : "MK-RAID-02", body, Api.NewKey())).StatusCode);
        }

        var seen = await Hubs.Take(deltas, 20);
        var debriefer = server.Server.Client(TestAuth.Token(Roles.Debriefer));
        foreach (var d in seen)
        {
            var past = await debriefer.GetFromJsonAsync<OperationView>($"/api/operations/{op}/state?seq={d.Seq}", Api.Json);
            Assert.Equal(d.Seq, past!.LastSeq);
            Assert.Equal(d.Totals, past.Totals);
            Assert.Equal(d.TeamsActive, past.TeamsActive);
            Assert.Equal(JsonSerializer.Serialize(d.Team, Api.Json), JsonSerializer.Serialize(past.Teams.Single(t => t.Id == d.TeamId), Api.Json));
            Assert.Equal(d.Region!.Totals, past.Regions.Single(r => r.Id == d.Region.Id).Totals);

            var atTime = await debriefer.GetFromJsonAsync<OperationView>(
                $"/api/operations/{op}/state?at={Uri.EscapeDataString(d.ServerTime.ToString("O"))}", Api.Json);
            Assert.True(atTime!.LastSeq >= d.Seq);   // reports of one group commit share their instant
        }

        var now = await Api.Operation(Http, op);
        Assert.Equal(JsonSerializer.Serialize(now, Api.Json),
            JsonSerializer.Serialize(await debriefer.GetFromJsonAsync<OperationView>($"/api/operations/{op}/state?seq={now.LastSeq}", Api.Json), Api.Json));
        foreach (var (query, field) in new[] { ("", "seq"), ("seq=0", "seq"), ($"seq={now.LastSeq + 1}", "seq"), ("seq=1&at=2024-09-29T00:00:00Z", "seq") })
        {
            var refused = await debriefer.GetAsync($"/api/operations/{op}/state?{query}");
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Contains(field, Api.ErrorFields(await Api.Problem(refused)));
        }

        // Before the operation existed: a parameter out of range (naming it), not "no such operation".
        var before = await debriefer.GetAsync($"/api/operations/{op}/state?at=2000-01-01T00:00:00Z");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, before.StatusCode);
        Assert.Contains("at", Api.ErrorFields(await Api.Problem(before)));
    }

    [Fact]
    public async Task exports_stream_every_event_and_re_imported_into_a_fresh_operation_give_the_same_totals()
    {
        var op = await OperationWithReports(16);
        await Api.PostRaw(Http, $"/api/operations/{op}/teams/AR-RAID-01/corrections", """{"corrects":2,"children":-1,"reason":"recount"}""", Api.NewKey());
        var truth = await Api.Operation(Http, op);

        var json = JsonNode.Parse(await Http.GetStringAsync($"/api/operations/{op}/export/timeline.json"))!.AsArray();
        Assert.Equal(truth.LastSeq, json.Count);
        var fromJson = json.Select(n => n.Deserialize<TimelineEntry>(Api.Json)!).ToList();

        var csv = await Http.GetStringAsync($"/api/operations/{op}/export/timeline.csv");
        var rows = ParseCsv(csv);
        Assert.Equal(["seq", "kind", "server_time", "client_time", "actor", "team_id", "region_id", "idempotency_key", "status", "children",
            "women", "men", "arrested", "exploitation_types", "latitude", "longitude", "note", "corrects", "reason", "last_check_in", "summary",
            "order_seq", "order_kind", "order_text", "order_target", "due_by", "answer", "distress_seq"], rows[0]);
        Assert.Equal(fromJson.Select(e => e.Summary), rows.Skip(1).Select(r => r[20]));
        Assert.Equal(truth.LastSeq + 1, rows.Count);
        var note = rows.Single(r => r[16].Contains("HYPERLINK", StringComparison.Ordinal))[16];
        Assert.Equal("'=HYPERLINK(\"x\"), with \"quotes\"\nand a newline", note);   // quoted, and defused for spreadsheets

        foreach (var (name, entries) in new[] { ("json", fromJson), ("csv", FromCsv(rows)) })
        {
            var copy = await Api.DefineOperation(Http);
            var seqs = new Dictionary<long, long>();
            foreach (var e in entries.Where(e => e.Report is not null))
            {
                var r = e.Report!;
                var response = e.Kind == "FieldReported"
                    ? await Api.PostReport(Http, copy, e.TeamId!, new
                    {
                        status = r.Status, children = r.Counts.Children, women = r.Counts.Women, men = r.Counts.Men, arrested = r.Counts.Arrested,
                        exploitationTypes = r.ExploitationTypes, position = r.Position, note = r.Note, clientTime = r.ClientTime,
                    }, e.IdempotencyKey)
                    : await Api.PostRaw(Http, $"/api/operations/{copy}/teams/{e.TeamId}/corrections", JsonSerializer.Serialize(new
                    {
                        corrects = seqs[r.Corrects!.Value], children = r.Counts.Children, women = r.Counts.Women, men = r.Counts.Men,
                        arrested = r.Counts.Arrested, reason = r.Reason,
                    }, Api.Json), e.IdempotencyKey);
                Assert.True(response.StatusCode == HttpStatusCode.Created, $"{name} re-import of {e.Seq}: {await response.Content.ReadAsStringAsync()}");
                seqs[e.Seq] = (await response.Content.ReadFromJsonAsync<ReportAck>(Api.Json))!.Seq;
            }

            var copied = await Api.Operation(Http, copy);
            Assert.Equal(truth.Totals, copied.Totals);
            Assert.Equal(truth.Teams.Select(t => (t.Id, t.Status, t.Totals)), copied.Teams.Select(t => (t.Id, t.Status, t.Totals)));
        }

        var hotspots = JsonNode.Parse(await Http.GetStringAsync($"/api/operations/{op}/export/hotspots.geojson"))!;
        Assert.Equal("FeatureCollection", (string?)hotspots["type"]);
        var ar = hotspots["features"]!.AsArray().Single(f => (string?)f!["properties"]!["id"] == "AR")!;
        Assert.Equal(truth.Regions.Single(r => r.Id == "AR").Totals.Rescued, (int)ar["properties"]!["rescued"]!);
        Assert.Equal(-64.2, (double)ar["geometry"]!["coordinates"]![0]!);
        var positions = JsonNode.Parse(await Http.GetStringAsync($"/api/operations/{op}/export/positions.geojson"))!["features"]!.AsArray();
        Assert.Equal(8, positions.Count);
        Assert.Equal(-60.0, (double)positions[0]!["geometry"]!["coordinates"]![0]!);
    }

    [Fact]
    public async Task commanders_mark_significant_events_on_their_own_lane_and_can_withdraw_a_mark()
    {
        var op = await OperationWithReports(6);
        var commander = server.Server.Client(TestAuth.Token(Roles.Commander, "cmdr-7", []));
        var marked = await commander.PostAsJsonAsync($"/api/operations/{op}/significant", new { seq = 4, title = "First rescue at the Tucumán farm" });
        Assert.Equal(HttpStatusCode.Created, marked.StatusCode);
        var entry = await marked.Content.ReadFromJsonAsync<SignificantEntry>(Api.Json);
        Assert.Equal("cmdr-7", entry!.MarkedBy);
        Assert.Equal("AR-BCP-01", entry.Event.TeamId);
        Assert.Equal(HttpStatusCode.Created, (await commander.PostAsJsonAsync($"/api/operations/{op}/significant", new { seq = 2, title = "Operation starts" })).StatusCode);

        var debriefer = server.Server.Client(TestAuth.Token(Roles.Debriefer));
        var lane = await debriefer.GetFromJsonAsync<SignificantEntry[]>($"/api/operations/{op}/significant", Api.Json);
        Assert.Equal([2L, 4L], lane!.Select(e => e.Seq));
        Assert.Equal(HttpStatusCode.Forbidden, (await debriefer.PostAsJsonAsync($"/api/operations/{op}/significant", new { seq = 3, title = "x" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await commander.DeleteAsync($"/api/operations/{op}/significant/2")).StatusCode);
        Assert.Equal([4L], (await debriefer.GetFromJsonAsync<SignificantEntry[]>($"/api/operations/{op}/significant", Api.Json))!.Select(e => e.Seq));
        Assert.Equal(HttpStatusCode.NotFound, (await commander.DeleteAsync($"/api/operations/{op}/significant/2")).StatusCode);

        foreach (var (body, field) in new (object Body, string Field)[] { (new { seq = 99, title = "x" }, "seq"), (new { seq = 3, title = "" }, "title"), (new { title = "x" }, "seq") })
        {
            var refused = await commander.PostAsJsonAsync($"/api/operations/{op}/significant", body);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Contains(field, Api.ErrorFields(await Api.Problem(refused)));
        }
    }

    [Fact]
    public async Task the_after_action_report_adds_up_to_the_totals_and_keeps_each_teams_status_history()
    {
        var op = await OperationWithReports(12);
        await Api.PostRaw(Http, $"/api/operations/{op}/teams/AR-RAID-01/corrections", """{"corrects":2,"men":-1,"reason":"recount"}""", Api.NewKey());
        await Http.PostAsJsonAsync($"/api/operations/{op}/significant", new { seq = 6, title = "First women rescued" });
        var truth = await Api.Operation(Http, op);

        var report = await server.Server.Client(TestAuth.Token(Roles.Debriefer)).GetFromJsonAsync<AfterActionReport>($"/api/operations/{op}/report", Api.Json);
        Assert.Equal(truth.Totals, report!.Totals);
        Assert.Equal(12, report.Reports);
        Assert.Equal(1, report.Corrections);
        Assert.True(report.Exercise);
        Assert.Equal(truth.Totals.Rescued, report.Days.Sum(d => d.Totals.Rescued));
        Assert.Equal(truth.Totals.Arrested, report.Days.Sum(d => d.Totals.Arrested));
        Assert.Equal(12, report.Days.Sum(d => d.Reports));
        Assert.Equal(truth.Regions.Select(r => (r.Id, r.Totals)).OrderBy(r => r.Id), report.Regions.Select(r => (r.Id, r.Totals)).OrderBy(r => r.Id));
        Assert.Equal(12, report.Regions.Sum(r => r.Reports));

        // AR-RAID-01 reported Briefed, EnRoute, OnSite (reports 1, 5, 9): four intervals from Standby, back to back.
        var team = report.Teams.Single(t => t.Id == "AR-RAID-01");
        Assert.Equal(["Standby", "Briefed", "EnRoute", "OnSite"], team.Statuses.Select(s => s.Status));
        Assert.All(team.Statuses.Zip(team.Statuses.Skip(1)), p => Assert.Equal(p.First.To, p.Second.From));
        Assert.Equal(report.LastEvent, team.Statuses[^1].To);
        Assert.Equal(3, team.Reports);
        Assert.Equal("First women rescued", Assert.Single(report.Significant).Title);
        Assert.Empty(report.Overdue);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Server.Client(TestAuth.Token(Roles.Wall)).GetAsync($"/api/operations/{op}/report")).StatusCode);
    }

    private static List<TimelineEntry> FromCsv(List<string[]> rows) =>
    [
        .. rows.Skip(1).Select(c => new TimelineEntry(
            long.Parse(c[0], CultureInfo.InvariantCulture), c[1], DateTimeOffset.Parse(c[2], CultureInfo.InvariantCulture),
            c[3] == "" ? null : DateTimeOffset.Parse(c[3], CultureInfo.InvariantCulture), c[4], c[5] == "" ? null : c[5], c[6] == "" ? null : c[6], c[7],
            c[1] is "FieldReported" or "ReportCorrected"
                ? new ReportAck(long.Parse(c[0], CultureInfo.InvariantCulture), "", c[5], c[1], c[7], default, null, c[8] == "" ? null : c[8],
                    new TotalsView(Int(c[9]), Int(c[10]), Int(c[11]), Int(c[9]) + Int(c[10]) + Int(c[11]), Int(c[12])),
                    c[13] == "" ? [] : c[13].Split(';'),
                    c[14] == "" ? null : new PositionView(double.Parse(c[14], CultureInfo.InvariantCulture), double.Parse(c[15], CultureInfo.InvariantCulture)),
                    c[16] == "" ? null : c[16], c[17] == "" ? null : long.Parse(c[17], CultureInfo.InvariantCulture), c[18] == "" ? null : c[18])
                : null,
            null, null, null, c[20])),
    ];

    private static int Int(string s) => s == "" ? 0 : int.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>RFC 4180: quoted fields may hold commas, doubled quotes and newlines.</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else cell.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { row.Add(cell.ToString()); cell.Clear(); }
            else if (ch == '\n') { row.Add(cell.ToString()); cell.Clear(); rows.Add([.. row]); row.Clear(); }
            else if (ch != '\r') cell.Append(ch);
        }

        return rows;
    }
}
