using System.Net;
using System.Net.Http.Json;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Api.Tests;

[Collection(ServerCollection.Name)]
public class FieldReportApiTests(ServerFixture server)
{
    private HttpClient Http => server.Http;

    [Fact]
    public async Task a_report_is_accepted_once_and_a_retry_gets_the_same_answer()
    {
        var op = await Api.DefineOperation(Http);
        var key = Api.NewKey();
        var report = new
        {
            status = "Briefed", children = 4, women = 2, arrested = 3,
            exploitationTypes = new[] { "forced-labour", "ForcedLabour", "sexual_exploitation" },
            position = new { latitude = -26.8, longitude = -65.2 }, note = "Farm near Tucumán",
            clientTime = DateTimeOffset.UtcNow.AddMinutes(-2),
        };

        var first = await Api.PostReport(Http, op, "AR-RAID-01", report, key);
        var retry = await Api.PostReport(Http, op, "AR-RAID-01", report, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var ack = (await first.Content.ReadFromJsonAsync<ReportAck>(Api.Json))!;
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(2, ack.Seq);
        Assert.Equal(["ForcedLabour", "SexualExploitation"], ack.ExploitationTypes);
        Assert.Equal(6, ack.Counts.Rescued);

        var state = await Api.Operation(Http, op);
        Assert.Equal(new TotalsView(4, 2, 0, 6, 3), state.Totals);
        Assert.Equal(2, state.LastSeq);
        var team = state.Teams.Single(t => t.Id == "AR-RAID-01");
        Assert.Equal("Briefed", team.Status);
        Assert.Equal(["EnRoute", "Standby", "Holding", "Aborted"], team.AllowedNext);
        Assert.Equal(new PositionView(-26.8, -65.2), team.Position);
        Assert.Equal(1, state.TeamsActive);
    }

    [Fact]
    public async Task team_region_and_operation_reads_agree()
    {
        var op = await Api.DefineOperation(Http);
        Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(Http, op, "MK-RAID-01", new { women = 5, men = 1 }, Api.NewKey())).StatusCode);
        var second = await Api.PostReport(Http, op, "MK-RAID-02", new { women = 2, arrested = 4 }, Api.NewKey());
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var seq = (await second.Content.ReadFromJsonAsync<ReportAck>(Api.Json))!.Seq;

        // Views are updated one-way: a reader that names the event it was acknowledged reads at least that far.
        var team = await Http.GetFromJsonAsync<TeamView>($"/api/operations/{op}/teams/MK-RAID-02?minSeq={seq}", Api.Json);
        Assert.Equal(new TotalsView(0, 2, 0, 2, 4), team!.Totals);
        Assert.Equal(seq, team.LastSeq);
        var region = await Http.GetFromJsonAsync<RegionView>($"/api/operations/{op}/regions/MK?minSeq={seq}", Api.Json);
        Assert.Equal(new TotalsView(0, 7, 1, 8, 4), region!.Totals);
        Assert.Equal(["MK-RAID-01", "MK-RAID-02"], region.TeamIds);
        var list = await Http.GetFromJsonAsync<OperationSummary[]>("/api/operations", Api.Json);
        Assert.Equal(new TotalsView(0, 7, 1, 8, 4), list!.Single(o => o.Id == op).Totals);
    }

    [Fact]
    public async Task a_correction_fixes_a_miscount_and_keeps_both_in_history()
    {
        var op = await Api.DefineOperation(Http);
        var report = await (await Api.PostReport(Http, op, "AR-RAID-01", new { children = 6 }, Api.NewKey())).Content.ReadFromJsonAsync<ReportAck>(Api.Json);
        var body = System.Text.Json.JsonSerializer.Serialize(new { corrects = report!.Seq, children = -2, reason = "two children counted twice" });

        var correction = await Api.PostRaw(Http, $"/api/operations/{op}/teams/AR-RAID-01/corrections", body, Api.NewKey());
        Assert.Equal(HttpStatusCode.Created, correction.StatusCode);
        var tooFar = await Api.PostRaw(Http, $"/api/operations/{op}/teams/AR-RAID-01/corrections",
            System.Text.Json.JsonSerializer.Serialize(new { corrects = report.Seq, children = -5, reason = "again" }), Api.NewKey());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooFar.StatusCode);
        Assert.Equal(["children"], Api.ErrorFields(await Api.Problem(tooFar)));

        var state = await Api.Operation(Http, op);
        Assert.Equal(4, state.Totals.Children);
        Assert.Equal(3, state.LastSeq);
    }

    [Fact]
    public async Task an_illegal_transition_is_409_listing_the_allowed_statuses()
    {
        var op = await Api.DefineOperation(Http);
        var response = await Api.PostReport(Http, op, "AR-RAID-01", new { status = "Completed", children = 3 }, Api.NewKey());
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await Api.Problem(response);
        Assert.Equal(["Briefed", "Holding", "Aborted"], problem["allowedNext"]!.AsArray().Select(n => (string)n!));
        Assert.Contains("status", Api.ErrorFields(problem));
        Assert.Equal(0, (await Api.Operation(Http, op)).Totals.Rescued);
    }

    [Fact]
    public async Task a_refusal_is_judged_against_what_is_stored_so_a_read_right_after_it_agrees()
    {
        // Two devices of one team report at the same moment over two connections: one moves the team on, the other
        // asks for a move that is legal only before it. Whichever is judged second is refused, against the status the
        // first gave, and only once that status is stored: a read right after the refusal shows it. Before, the refusal
        // was given while the first was still being committed, and the read showed the status before it.
        using var first = server.Server.Client(TestAuth.Token(Access.Roles.TeamLead, "AR-RAID-01"));
        using var second = server.Server.Client(TestAuth.Token(Access.Roles.TeamLead, "AR-RAID-01"));
        var refusals = 0;
        for (var race = 0; race < 20; race++)
        {
            var op = await Api.DefineOperation(Http);
            Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(first, op, "AR-RAID-01", new { status = "Briefed" }, Api.NewKey())).StatusCode);
            var onward = Api.PostReport(first, op, "AR-RAID-01", new { status = "EnRoute", children = 1 }, Api.NewKey());
            var back = Api.PostReport(second, op, "AR-RAID-01", new { status = "Standby", women = 1 }, Api.NewKey());
            foreach (var response in await Task.WhenAll(onward, back))
            {
                if (response.StatusCode == HttpStatusCode.Created) continue;
                Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
                refusals++;
                var judged = System.Text.RegularExpressions.Regex.Match((string)(await Api.Problem(response))["detail"]!, @"in status (\w+)").Groups[1].Value;
                var stored = await Http.GetFromJsonAsync<TeamView>($"/api/operations/{op}/teams/AR-RAID-01", Api.Json);
                Assert.Equal(judged, stored!.Status);
            }

            var totals = (await Api.Operation(Http, op)).Totals;
            Assert.Equal(1, totals.Rescued);   // exactly one of the two was stored
        }

        Assert.Equal(20, refusals);
    }

    public static TheoryData<string, string> OutOfRange => new()
    {
        { """{"children":-1}""", "children" },
        { """{"women":1001}""", "women" },
        { """{"men":5,"arrested":-3}""", "arrested" },
        { """{"position":{"latitude":95,"longitude":10}}""", "position.latitude" },
        { """{"position":{"latitude":10,"longitude":-200}}""", "position.longitude" },
        { """{"position":{"latitude":10}}""", "position.longitude" },
        { """{"clientTime":"2099-01-01T00:00:00Z"}""", "clientTime" },
        { """{"clientTime":"2001-01-01T00:00:00Z"}""", "clientTime" },
        { """{"status":"Flying"}""", "status" },
        { """{"exploitationTypes":["organ-harvesting"]}""", "exploitationTypes[0]" },
        { $$"""{"note":"{{new string('n', 1001)}}"}""", "note" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task a_value_out_of_range_is_422_naming_the_field_and_changes_nothing(string json, string field)
    {
        var op = await Api.DefineOperation(Http);
        var response = await Api.PostRaw(Http, $"/api/operations/{op}/teams/AR-RAID-01/reports", json, Api.NewKey());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(field, Api.ErrorFields(await Api.Problem(response)));
        Assert.Equal(1, (await Api.Operation(Http, op)).LastSeq);
    }

    public static TheoryData<string, string?, HttpStatusCode, string> BadRequests => new()
    {
        { """{"children":""", "key-malformed-json", HttpStatusCode.BadRequest, "Malformed JSON" },
        { """{"children":"four"}""", "key-wrong-type-01", HttpStatusCode.BadRequest, "$.children" },
        { """{"children":2.5}""", "key-fraction-0001", HttpStatusCode.BadRequest, "$.children" },
        { """{"victimName":"x"}""", "key-unknown-field", HttpStatusCode.BadRequest, "victimName" },
        { """{"children":1}""", null, HttpStatusCode.BadRequest, "Idempotency-Key" },
        { """{"children":1}""", "short", HttpStatusCode.BadRequest, "Idempotency-Key" },
        { """{"children":1}""", "key with spaces!", HttpStatusCode.BadRequest, "Idempotency-Key" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task malformed_requests_are_400_with_a_problem_that_says_why(string json, string? key, HttpStatusCode status, string mentions)
    {
        var op = await Api.DefineOperation(Http);
        var response = await Api.PostRaw(Http, $"/api/operations/{op}/teams/AR-RAID-01/reports", json, key);
        Assert.Equal(status, response.StatusCode);
        var problem = await Api.Problem(response);
        Assert.Contains(mentions, problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(1, (await Api.Operation(Http, op)).LastSeq);
    }

    [Fact]
    public async Task unknown_operations_teams_and_regions_are_404()
    {
        var op = await Api.DefineOperation(Http);
        var cases = new Func<Task<HttpResponseMessage>>[]
        {
            () => Api.PostReport(Http, "no-such-operation", "AR-RAID-01", new { children = 1 }, Api.NewKey()),
            () => Api.PostReport(Http, op, "ZZ-RAID-09", new { children = 1 }, Api.NewKey()),
            () => Http.GetAsync("/api/operations/no-such-operation"),
            () => Http.GetAsync($"/api/operations/{op}/teams/ZZ-RAID-09"),
            () => Http.GetAsync($"/api/operations/{op}/regions/ZZ"),
        };
        foreach (var call in cases)
        {
            var response = await call();
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            await Api.Problem(response);
        }
    }

    [Fact]
    public async Task a_key_reused_with_a_different_body_is_409()
    {
        var op = await Api.DefineOperation(Http);
        var key = Api.NewKey();
        Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(Http, op, "AR-RAID-01", new { children = 1 }, key)).StatusCode);
        var reused = await Api.PostReport(Http, op, "AR-RAID-01", new { children = 2 }, key);
        Assert.Equal(HttpStatusCode.Conflict, reused.StatusCode);
        Assert.Contains("Idempotency-Key", Api.ErrorFields(await Api.Problem(reused)));
        Assert.Equal(1, (await Api.Operation(Http, op)).Totals.Children);
    }

    [Fact]
    public async Task an_oversized_body_is_413_and_a_wrong_content_type_415()
    {
        var op = await Api.DefineOperation(Http);
        var huge = $$"""{"note":"{{new string('x', 40_000)}}"}""";
        var tooLarge = await Api.PostRaw(Http, $"/api/operations/{op}/teams/AR-RAID-01/reports", huge, Api.NewKey());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Contains("16384", (await Api.Problem(tooLarge)).ToJsonString(), StringComparison.Ordinal);

        var wrongType = await Api.PostRaw(Http, $"/api/operations/{op}/teams/AR-RAID-01/reports", "children=1", Api.NewKey(), "application/x-www-form-urlencoded");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        await Api.Problem(wrongType);
        Assert.Equal(1, (await Api.Operation(Http, op)).LastSeq);
    }

    /// <summary>1,000 distinct reports, each sent twice at the same moment: exactly the totals of 1,000.</summary>
    [Fact]
    public async Task a_retry_storm_counts_every_report_exactly_once()
    {
        var op = await Api.DefineOperation(Http);
        var teams = new[] { "AR-RAID-01", "AR-BCP-01", "MK-RAID-01", "MK-RAID-02" };
        using var gate = new SemaphoreSlim(48);
        var statuses = await Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var key = $"storm-{op}-{i:D5}";
                var body = new { children = i % 2, women = 1, men = i % 3 == 0 ? 1 : 0, arrested = 1 };
                var pair = await Task.WhenAll(
                    Api.PostReport(Http, op, teams[i % 4], body, key),
                    Api.PostReport(Http, op, teams[i % 4], body, key));
                return pair.Select(r => r.StatusCode).Order().ToArray();
            }
            finally
            {
                gate.Release();
            }
        }));

        Assert.All(statuses, pair => Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Created], pair));
        var state = await Api.Operation(Http, op);
        Assert.Equal(new TotalsView(500, 1000, 334, 1834, 1000), state.Totals);
        Assert.Equal(1001, state.LastSeq);
        Assert.Equal(state.Totals.Rescued, state.Regions.Sum(r => r.Totals.Rescued));
    }
}
