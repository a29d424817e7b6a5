using Microsoft.AspNetCore.SignalR.Client;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Api.Tests;

/// <summary>Orders to the field and distress calls over real HTTP: every rule, who may do what, exactly once.</summary>
[Collection(ServerCollection.Name)]
public class OrdersApiTests(ServerFixture server)
{
    private HttpClient Commander => server.Server.Client(TestAuth.Token(Roles.Commander));
    private HttpClient Lead(string team) => server.Server.Client(TestAuth.Token(Roles.TeamLead, team));

    private static Task<HttpResponseMessage> Post(HttpClient http, string path, object? body, string? key) =>
        Api.PostRaw(http, path, body is null ? "" : JsonSerializer.Serialize(body, Api.Json), key);

    private static async Task<CommandAck> Ack(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.Created)
    {
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<CommandAck>(Api.Json))!;
    }

    private async Task<CommandAck> Issue(string op, object order, string? key = null) =>
        await Ack(await Post(Commander, $"/api/operations/{op}/orders", order, key ?? Api.NewKey()));

    [Fact]
    public async Task an_order_to_a_region_reaches_its_teams_and_each_answer_counts_once()
    {
        var op = await Api.DefineOperation(server.Http);
        var key = Api.NewKey();
        var body = new { kind = "Hold", text = "Hold at the staging point until 05:00", regionId = "MK", dueInMinutes = 30,
            place = new { latitude = 41.99, longitude = 21.43 } };
        var issued = await Issue(op, body, key);
        // The same request again is the same order.
        var again = await Ack(await Post(Commander, $"/api/operations/{op}/orders", body, key), HttpStatusCode.OK);
        Assert.Equal(issued.Seq, again.Seq);
        Assert.Equal(["MK-RAID-01", "MK-RAID-02"], issued.Order!.Recipients);
        Assert.Equal("Hold", issued.Order.Kind);
        Assert.NotNull(issued.Order.DueBy);
        Assert.Equal(issued.ServerTime.AddMinutes(30), issued.Order.DueBy);

        var answerKey = Api.NewKey();
        var answerPath = $"/api/operations/{op}/teams/MK-RAID-01/orders/{issued.Seq}/answer";
        var answer = await Ack(await Post(Lead("MK-RAID-01"), answerPath, new { answer = "Acknowledged" }, answerKey));
        var retry = await Ack(await Post(Lead("MK-RAID-01"), answerPath, new { answer = "Acknowledged" }, answerKey), HttpStatusCode.OK);
        Assert.Equal(answer.Seq, retry.Seq);
        Assert.Equal("acknowledged", answer.TeamOrder!.State);
        Assert.Null(answer.Order);   // a lead sees the order as its team does, never the other teams' answers

        // A second answer under another key is a conflict, not a second count.
        var twice = await Post(Lead("MK-RAID-01"), answerPath, new { answer = "Unable", reason = "changed my mind" }, Api.NewKey());
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Equal("conflict", (await Api.Problem(twice))["code"]!.GetValue<string>());

        // Unable needs a reason, named as the field.
        var unable = $"/api/operations/{op}/teams/MK-RAID-02/orders/{issued.Seq}/answer";
        var noReason = await Post(Lead("MK-RAID-02"), unable, new { answer = "Unable" }, Api.NewKey());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noReason.StatusCode);
        Assert.Contains("reason", Api.ErrorFields(await Api.Problem(noReason)));
        await Ack(await Post(Lead("MK-RAID-02"), unable, new { answer = "unable", reason = "Vehicle down" }, Api.NewKey()));

        var orders = (await server.Http.GetFromJsonAsync<OrderView[]>($"/api/operations/{op}/orders", Api.Json))!;
        var order = orders.Single(o => o.Seq == issued.Seq);
        Assert.False(order.Open);
        Assert.Equal(["Acknowledged", "Unable"], order.Answers.OrderBy(a => a.TeamId).Select(a => a.Answer));
        Assert.Equal("Vehicle down", order.Answers.Single(a => a.TeamId == "MK-RAID-02").Reason);
        Assert.Empty(await server.Http.GetFromJsonAsync<OrderView[]>($"/api/operations/{op}/orders?open=true", Api.Json) ?? []);

        // Every order and answer is on the timeline, in words.
        var page = (await server.Http.GetFromJsonAsync<TimelinePage>($"/api/operations/{op}/timeline", Api.Json))!;
        Assert.Equal(["OrderIssued", "OrderAnswered", "OrderAnswered"], page.Events.Where(e => e.Kind.StartsWith("Order", StringComparison.Ordinal)).Select(e => e.Kind));
        Assert.Contains(page.Events, e => e.Summary == $"UNABLE to comply with order #{issued.Seq} · Vehicle down");
    }

    [Fact]
    public async Task only_command_may_order_and_a_lead_sees_only_its_own_teams_orders()
    {
        var op = await Api.DefineOperation(server.Http);
        var order = new { kind = "Proceed", text = "Go", teamId = "AR-RAID-01" };
        foreach (var role in new[] { Roles.Wall, Roles.Debriefer })
            Assert.Equal(HttpStatusCode.Forbidden, (await Post(server.Server.Client(TestAuth.Token(role)), $"/api/operations/{op}/orders", order, Api.NewKey())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(Lead("AR-RAID-01"), $"/api/operations/{op}/orders", order, Api.NewKey())).StatusCode);
        var issued = await Issue(op, order);
        var viaAdmin = await Ack(await Post(server.Http, $"/api/operations/{op}/orders", new { kind = "Message", text = "Admins may too", all = true }, Api.NewKey()));
        Assert.Equal(4, viaAdmin.Order!.Recipients.Count);

        // Its own team's orders, yes; another team's: refused, whether or not that team has any.
        var own = (await Lead("AR-RAID-01").GetFromJsonAsync<TeamOrdersView>($"/api/operations/{op}/teams/AR-RAID-01/orders", Api.Json))!;
        Assert.Equal([viaAdmin.Seq, issued.Seq], own.Orders.Select(o => o.Seq));
        Assert.All(own.Orders, o => Assert.Equal("open", o.State));
        Assert.Equal(HttpStatusCode.Forbidden, (await Lead("MK-RAID-01").GetAsync($"/api/operations/{op}/teams/AR-RAID-01/orders")).StatusCode);
        var other = (await Lead("MK-RAID-01").GetFromJsonAsync<TeamOrdersView>($"/api/operations/{op}/teams/MK-RAID-01/orders", Api.Json))!;
        Assert.Equal([viaAdmin.Seq], other.Orders.Select(o => o.Seq));

        // An order a team was not given is "not found" for it, exactly as one that does not exist.
        var notMine = await Post(Lead("MK-RAID-01"), $"/api/operations/{op}/teams/MK-RAID-01/orders/{issued.Seq}/answer", new { answer = "Acknowledged" }, Api.NewKey());
        var none = await Post(Lead("MK-RAID-01"), $"/api/operations/{op}/teams/MK-RAID-01/orders/99999/answer", new { answer = "Acknowledged" }, Api.NewKey());
        Assert.Equal(HttpStatusCode.NotFound, notMine.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Equal((await Api.Problem(notMine))["title"]!.GetValue<string>(), (await Api.Problem(none))["title"]!.GetValue<string>());
        // And answering for another team is refused at the door.
        Assert.Equal(HttpStatusCode.Forbidden,
            (await Post(Lead("MK-RAID-01"), $"/api/operations/{op}/teams/AR-RAID-01/orders/{issued.Seq}/answer", new { answer = "Acknowledged" }, Api.NewKey())).StatusCode);
    }

    [Theory]
    [InlineData("""{"kind":"Retreat","text":"x","all":true}""", "kind")]
    [InlineData("""{"text":"x","all":true}""", "kind")]
    [InlineData("""{"kind":"Hold","text":"  ","all":true}""", "text")]
    [InlineData("""{"kind":"Hold","text":"x"}""", "target")]
    [InlineData("""{"kind":"Hold","text":"x","teamId":"AR-RAID-01","all":true}""", "target")]
    [InlineData("""{"kind":"Hold","text":"x","teamId":"NO-SUCH-TEAM"}""", "teamId")]
    [InlineData("""{"kind":"Hold","text":"x","regionId":"ZZ"}""", "regionId")]
    [InlineData("""{"kind":"Hold","text":"x","all":true,"dueInMinutes":0}""", "dueInMinutes")]
    [InlineData("""{"kind":"Hold","text":"x","all":true,"dueBy":"2001-01-01T00:00:00Z"}""", "dueBy")]
    [InlineData("""{"kind":"Hold","text":"x","all":true,"dueBy":"2999-01-01T00:00:00Z","dueInMinutes":5}""", "dueBy")]
    [InlineData("""{"kind":"Hold","text":"x","all":true,"place":{"latitude":91,"longitude":0}}""", "place.latitude")]
    [InlineData("""{"kind":"Hold","text":"x","all":true,"priority":"high"}""", "priority")]
    public async Task a_bad_order_is_refused_naming_the_field(string json, string field)
    {
        var op = await Api.DefineOperation(server.Http);
        var response = await Api.PostRaw(Commander, $"/api/operations/{op}/orders", json, Api.NewKey());
        Assert.True(response.StatusCode is HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}");
        var problem = await Api.Problem(response);
        Assert.True(Api.ErrorFields(problem).Any(f => f.Contains(field, StringComparison.OrdinalIgnoreCase)),
            $"expected a refusal naming {field}: {problem.ToJsonString()}");
        Assert.Equal(1, (await Api.Operation(server.Http, op)).LastSeq);   // nothing was stored
    }

    [Fact]
    public async Task a_cancelled_order_keeps_its_history_and_needs_no_answer()
    {
        var op = await Api.DefineOperation(server.Http);
        var issued = await Issue(op, new { kind = "Abort", text = "Site compromised", teamId = "AR-RAID-01" });
        var key = Api.NewKey();
        var cancel = await Ack(await Post(Commander, $"/api/operations/{op}/orders/{issued.Seq}/cancel", new { reason = "False intelligence" }, key));
        await Ack(await Post(Commander, $"/api/operations/{op}/orders/{issued.Seq}/cancel", new { reason = "False intelligence" }, key), HttpStatusCode.OK);
        Assert.NotNull(cancel.Order!.CancelledAt);
        Assert.Equal("False intelligence", cancel.Order.CancelReason);
        Assert.Equal(HttpStatusCode.Conflict, (await Post(Commander, $"/api/operations/{op}/orders/{issued.Seq}/cancel", null, Api.NewKey())).StatusCode);
        var late = await Post(Lead("AR-RAID-01"), $"/api/operations/{op}/teams/AR-RAID-01/orders/{issued.Seq}/answer", new { answer = "Acknowledged" }, Api.NewKey());
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Contains("cancelled", (await Api.Problem(late))["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Post(Commander, $"/api/operations/{op}/orders/4242/cancel", null, Api.NewKey())).StatusCode);

        var view = (await Lead("AR-RAID-01").GetFromJsonAsync<TeamOrdersView>($"/api/operations/{op}/teams/AR-RAID-01/orders", Api.Json))!;
        Assert.Equal("cancelled", view.Orders.Single().State);
        var kinds = (await server.Http.GetFromJsonAsync<TimelinePage>($"/api/operations/{op}/timeline", Api.Json))!.Events.Select(e => e.Kind).ToList();
        Assert.Equal(["OperationDefined", "OrderIssued", "OrderCancelled"], kinds);
    }

    [Fact]
    public async Task a_distress_call_is_raised_by_the_team_taken_once_by_command_and_never_refused_for_being_repeated()
    {
        var op = await Api.DefineOperation(server.Http);
        var path = $"/api/operations/{op}/teams/AR-RAID-01/distress";
        var key = Api.NewKey();
        var raised = await Ack(await Post(Lead("AR-RAID-01"), path, new { position = new { latitude = -26.82, longitude = -65.22 } }, key));
        Assert.Equal(raised.Seq, (await Ack(await Post(Lead("AR-RAID-01"), path, new { position = new { latitude = -26.82, longitude = -65.22 } }, key), HttpStatusCode.OK)).Seq);
        // A second press under a new key joins the open call, with the newer position.
        var again = await Ack(await Post(Lead("AR-RAID-01"), path, null, Api.NewKey()));
        Assert.Equal(raised.Seq, again.Distress!.Seq);
        Assert.Equal(2, again.Distress.Presses);
        Assert.True(again.Distress.Open);
        Assert.Equal(-26.82, again.Distress.Position!.Latitude);

        // Only command takes it; another team cannot raise or withdraw it.
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(Lead("AR-RAID-01"), $"/api/operations/{op}/distress/{raised.Seq}/take", null, Api.NewKey())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(server.Server.Client(TestAuth.Token(Roles.Wall)), $"/api/operations/{op}/distress/{raised.Seq}/take", null, Api.NewKey())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(Lead("MK-RAID-01"), path, null, Api.NewKey())).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Post(Lead("MK-RAID-01"), $"/api/operations/{op}/teams/MK-RAID-01/distress/{raised.Seq}/cancel", null, Api.NewKey())).StatusCode);

        var takeKey = Api.NewKey();
        var taken = await Ack(await Post(Commander, $"/api/operations/{op}/distress/{raised.Seq}/take", null, takeKey));
        Assert.Equal(taken.Seq, (await Ack(await Post(Commander, $"/api/operations/{op}/distress/{raised.Seq}/take", null, takeKey), HttpStatusCode.OK)).Seq);
        Assert.False(taken.Distress!.Open);
        Assert.NotNull(taken.Distress.TakenAt);
        var second = await Post(server.Http, $"/api/operations/{op}/distress/{raised.Seq}/take", null, Api.NewKey());
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("taken already", (await Api.Problem(second))["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // The field page's view says command has it.
        var view = (await Lead("AR-RAID-01").GetFromJsonAsync<TeamOrdersView>($"/api/operations/{op}/teams/AR-RAID-01/orders", Api.Json))!;
        Assert.Equal(raised.Seq, view.Distress!.Seq);
        Assert.NotNull(view.Distress.TakenBy);
        Assert.Empty((await server.Http.GetFromJsonAsync<DistressView[]>($"/api/operations/{op}/distress?open=true", Api.Json))!);

        // A new press after that opens a new call, which the team may withdraw.
        var next = await Ack(await Post(Lead("AR-RAID-01"), path, null, Api.NewKey()));
        Assert.Equal(next.Seq, next.Distress!.Seq);
        var withdrawn = await Ack(await Post(Lead("AR-RAID-01"), $"/api/operations/{op}/teams/AR-RAID-01/distress/{next.Seq}/cancel", new { reason = "False alarm" }, Api.NewKey()));
        Assert.False(withdrawn.Distress!.Open);
        Assert.Equal(HttpStatusCode.Conflict, (await Post(Commander, $"/api/operations/{op}/distress/{next.Seq}/take", null, Api.NewKey())).StatusCode);
    }

    [Fact]
    public async Task a_distress_call_has_its_own_rate_limit_far_above_a_persons()
    {
        // A lead whose bucket is spent by reports is still heard when it presses distress.
        await using var own = await InProcessServer.StartOnNewDatabaseAsync("distress-limit", "--RateLimits:PermitsPerSecond=1", "--RateLimits:Burst=5");
        var op = await TestOperations.DefineSmallAsync(own.Client(TestAuth.Token(Roles.Admin)), "Distress limit", exercise: false);
        var lead = own.Client(TestAuth.Token(Roles.TeamLead, "AR-BCP-01"));
        var limited = false;
        for (var i = 0; i < 20 && !limited; i++)
            limited = (await Api.PostReport(lead, op, "AR-BCP-01", new { note = $"spam {i}" }, Api.NewKey())).StatusCode == HttpStatusCode.TooManyRequests;
        Assert.True(limited, "the person's limit was never reached");
        for (var press = 0; press < 10; press++)
        {
            var response = await Post(lead, $"/api/operations/{op}/teams/AR-BCP-01/distress", null, Api.NewKey());
            Assert.True(response.IsSuccessStatusCode, $"press {press}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task an_order_not_answered_in_time_and_a_call_not_taken_are_flagged_by_the_server_with_no_page_open_and_pushed_to_the_team_live()
    {
        await using var own = await InProcessServer.StartOnNewDatabaseAsync("orders-due", "--Silo:DistressEscalation=00:00:01", "--Silo:CheckInScan=00:00:01");
        var op = await TestOperations.DefineSmallAsync(own.Http, "Orders due", exercise: false);
        var lead = own.Client(TestAuth.Token(Roles.TeamLead, "AR-RAID-01"));

        // The team's page follows its orders live on the field hub.
        await using var hub = await Hubs.Connect(own.Address, TestAuth.Token(Roles.TeamLead, "AR-RAID-01"), FieldMessages.Path);
        var changes = new System.Collections.Concurrent.ConcurrentQueue<FieldChange>();
        var escalatedOnPhone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<FieldChange>(FieldMessages.Changed, change =>
        {
            changes.Enqueue(change);
            if (change.Distress?.EscalatedAt is not null) escalatedOnPhone.TrySetResult();
        });
        // A wall watches too: the server's own flags arrive there as deltas, with no page of the team's open.
        await using var wall = await Hubs.Connect(own.Address, TestAuth.Token(Roles.Wall));
        var flagged = new System.Collections.Concurrent.ConcurrentDictionary<string, OperationDelta>();
        var bothFlagged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        wall.On<OperationDelta[]>(HubMessages.Deltas, batch =>
        {
            foreach (var d in batch.Where(d => d.Kind is "OrderOverdue" or "DistressEscalated")) flagged[d.Kind] = d;
            if (flagged.Count == 2) bothFlagged.TrySetResult();
        });
        var joined = await hub.InvokeAsync<TeamOrdersView>("JoinTeam", op, "AR-RAID-01");
        Assert.Empty(joined.Orders);
        await wall.InvokeAsync<OperationView>("JoinOperation", op);

        var commander = own.Client(TestAuth.Token(Roles.Commander));
        var order = await Ack(await Post(commander, $"/api/operations/{op}/orders",
            new { kind = "Report", text = "Report your position", all = true, dueBy = DateTimeOffset.UtcNow.AddSeconds(2) }, Api.NewKey()));
        await Ack(await Post(lead, $"/api/operations/{op}/teams/AR-RAID-01/orders/{order.Seq}/answer", new { answer = "Acknowledged" }, Api.NewKey()));
        var call = await Ack(await Post(lead, $"/api/operations/{op}/teams/AR-RAID-01/distress", null, Api.NewKey()));

        await bothFlagged.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(["AR-BCP-01", "MK-RAID-01", "MK-RAID-02"], flagged["OrderOverdue"].Order!.Overdue);   // not the team that answered
        Assert.Equal(call.Seq, flagged["DistressEscalated"].Distress!.Seq);
        var escalated = (await own.Http.GetFromJsonAsync<DistressView[]>($"/api/operations/{op}/distress", Api.Json))!.Single();
        Assert.NotNull(escalated.EscalatedAt);
        Assert.True(escalated.Open);
        Assert.True(escalated.EscalatedAt - escalated.RaisedAt >= TimeSpan.FromSeconds(1));

        // What reached the team live: the order, its own answer, its call and its escalation; never another team's answer.
        await escalatedOnPhone.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains(changes, c => c.Order?.Seq == order.Seq && c.Order.State == "open");
        Assert.Contains(changes, c => c.Order?.Seq == order.Seq && c.Order.State == "acknowledged");
        Assert.Contains(changes, c => c.Distress?.Seq == call.Seq && c.Distress.Open);
        Assert.All(changes, c => Assert.Equal("AR-RAID-01", c.TeamId));
        var timeline = (await own.Http.GetFromJsonAsync<TimelinePage>($"/api/operations/{op}/timeline", Api.Json))!;
        Assert.Single(timeline.Events, e => e.Kind == "OrderOverdue");
        Assert.Single(timeline.Events, e => e.Kind == "DistressEscalated");
    }

    [Fact]
    public async Task the_timeline_folded_again_ends_where_the_live_operation_is_and_the_report_gives_times_to_acknowledge()
    {
        var op = await Api.DefineOperation(server.Http);
        var hold = await Issue(op, new { kind = "Hold", text = "Hold", all = true, dueInMinutes = 60 });
        var proceed = await Issue(op, new { kind = "Proceed", text = "Go", teamId = "MK-RAID-01" });
        foreach (var team in new[] { "AR-RAID-01", "MK-RAID-01" })
            await Ack(await Post(Lead(team), $"/api/operations/{op}/teams/{team}/orders/{hold.Seq}/answer", new { answer = "Acknowledged" }, Api.NewKey()));
        await Ack(await Post(Lead("MK-RAID-01"), $"/api/operations/{op}/teams/MK-RAID-01/orders/{proceed.Seq}/answer", new { answer = "Acknowledged" }, Api.NewKey()));
        var call = await Ack(await Post(Lead("AR-BCP-01"), $"/api/operations/{op}/teams/AR-BCP-01/distress", new { position = new { latitude = -34.6, longitude = -58.4 } }, Api.NewKey()));
        await Ack(await Post(Commander, $"/api/operations/{op}/distress/{call.Seq}/take", null, Api.NewKey()));
        await Ack(await Post(Lead("AR-BCP-01"), $"/api/operations/{op}/teams/AR-BCP-01/distress", null, Api.NewKey()));

        var live = await Api.Operation(server.Http, op);
        var folded = (await server.Http.GetFromJsonAsync<OperationView>($"/api/operations/{op}/state?seq={live.LastSeq}", Api.Json))!;
        Assert.Equal(JsonSerializer.Serialize(live.Orders, Api.Json), JsonSerializer.Serialize(folded.Orders, Api.Json));
        Assert.Equal(JsonSerializer.Serialize(live.Distress, Api.Json), JsonSerializer.Serialize(folded.Distress, Api.Json));
        Assert.Equal(2, live.Distress!.Count);
        Assert.Single(live.Distress, d => d.Open);

        var report = (await server.Http.GetFromJsonAsync<AfterActionReport>($"/api/operations/{op}/report", Api.Json))!;
        Assert.Equal(["Proceed", "Hold"], report.Orders!.OrderBy(o => o.Seq).Select(o => o.Kind).Reverse().Reverse().OrderBy(k => k == "Hold" ? 1 : 0));
        var holdFigures = report.OrderKinds!.Single(k => k.Kind == "Hold");
        Assert.Equal(1, holdFigures.Orders);
        Assert.Equal(2, holdFigures.Acknowledgements);
        Assert.NotNull(holdFigures.MedianSecondsToAcknowledge);
        Assert.True(holdFigures.MedianSecondsToAcknowledge >= 0);
        var holdReport = report.Orders!.Single(o => o.Seq == hold.Seq);
        Assert.Equal((4, 2, 2), (holdReport.Recipients, holdReport.Acknowledged, holdReport.Unanswered));
        Assert.Equal(2, report.Distress!.Count);
        Assert.NotNull(report.Distress.Single(d => d.Seq == call.Seq).SecondsToTake);

        // The exports carry them: the CSV's order and distress columns, the JSON's entries.
        var csv = (await server.Http.GetStringAsync($"/api/operations/{op}/export/timeline.csv")).Split('\n');
        Assert.Contains(csv, line => line.StartsWith($"{hold.Seq},OrderIssued,", StringComparison.Ordinal) && line.EndsWith($",{hold.Seq},Hold,Hold,all,{hold.Order!.DueBy:yyyy-MM-ddTHH:mm:ss.ffffffZ},,", StringComparison.Ordinal));
        Assert.Contains(csv, line => line.Contains(",DistressTaken,", StringComparison.Ordinal) && line.EndsWith($",{call.Seq}", StringComparison.Ordinal));
        var json = (await server.Http.GetFromJsonAsync<TimelineEntry[]>($"/api/operations/{op}/export/timeline.json", Api.Json))!;
        Assert.Equal("Acknowledged", json.First(e => e.Kind == "OrderAnswered").Order!.Answer);
        Assert.Equal(-34.6, json.First(e => e.Kind == "DistressRaised").Distress!.Position!.Latitude);
    }
}
