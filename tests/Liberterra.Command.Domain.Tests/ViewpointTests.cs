using System.Text.Json;

namespace Liberterra.Command.Domain.Tests;

/// <summary>
/// Need-to-know as a property: for random operations, agencies and sharing rules, and random histories of reports,
/// corrections, orders, answers, distress calls and devices' positions, what any agency sees (the state at every sequence number, every
/// event of the timeline, every live change) never holds what is withheld from it, and its totals are the operation's.
/// Every secret in these histories is marked (notes, reasons, authors and positions carry the team's id), so a leak
/// anywhere in a serialized view is found by looking for the mark.
/// </summary>
public class ViewpointTests
{
    private static readonly JsonSerializerOptions Json = DomainJson.Create();

    [Fact]
    public void no_view_at_any_seq_holds_what_its_agency_may_not_see_and_totals_are_the_operations()
    {
        for (var seed = 1; seed <= 150; seed++)
        {
            var random = new Random(seed);
            var definition = RandomOperation(random);
            var rules = AgencyRules.Of(definition);
            string?[] viewers = [null, "stranger", .. definition.Agencies.Select(a => a.Id)];
            var state = OperationReducer.Apply(null, Sample.Defined(definition));
            for (var seq = 2; seq <= 60; seq++)
            {
                var e = RandomEvent(random, state, seq);
                var before = state;
                state = OperationReducer.Apply(state, e);
                var committed = CommittedEvent.Of(e, state);
                foreach (var agency in viewers)
                {
                    var view = new Viewpoint(rules, agency);
                    var context = $"seed {seed}, seq {seq}, viewer {agency ?? "(whole operation)"}";
                    CheckState(view, state, context);
                    CheckEvent(view, e, state, context);
                    CheckLive(view, committed, state, context);
                }
            }
        }
    }

    [Fact]
    public void the_levels_follow_the_definition()
    {
        var d = Definition(
            [Agency("CC", Sharing.Summary, coordinator: true), Agency("A", Sharing.Summary, fullWith: "B"), Agency("B", Sharing.Full),
             Agency("C", Sharing.CountsOnly), Agency("D", Sharing.Summary)],
            ("A-1", "A"), ("B-1", "B"), ("C-1", "C"), ("D-1", "D"));
        var rules = AgencyRules.Of(d);
        Assert.Equal(Sharing.Full, rules.LevelFor("A", "A-1"));          // its own
        Assert.Equal(Sharing.Full, rules.LevelFor("A", "B-1"));          // B shares full with everyone
        Assert.Equal(Sharing.CountsOnly, rules.LevelFor("A", "C-1"));
        Assert.Equal(Sharing.Summary, rules.LevelFor("A", "D-1"));
        Assert.Equal(Sharing.Full, rules.LevelFor("B", "A-1"));          // A shares full with B only
        Assert.Equal(Sharing.Summary, rules.LevelFor("D", "A-1"));
        Assert.All(d.Teams, t => Assert.Equal(Sharing.Full, rules.LevelFor("CC", t.Id)));
        Assert.All(d.Teams, t => Assert.Equal(Sharing.Full, rules.LevelFor(null, t.Id)));
        Assert.Equal(["C"], rules.HiddenFrom("A"));
        Assert.Empty(rules.HiddenFrom("CC"));
        Assert.Equal(Sharing.Summary, rules.LevelFor("stranger", "A-1"));
        Assert.Equal(Sharing.Full, AgencyRules.Of(d with { Agencies = [] }).LevelFor("A", "C-1"));   // no agencies: no need-to-know
    }

    [Fact]
    public void a_commander_edits_its_own_teams_only()
    {
        var d = Definition([Agency("CC", Sharing.Summary, coordinator: true), Agency("A", Sharing.Summary), Agency("B", Sharing.Summary)],
            ("A-1", "A"), ("B-1", "B"));
        var mine = d with { Teams = [.. d.Teams, new TeamDefinition("A-2", TeamKind.RaidTeam, "R0", "Call A-2", "A")] };
        Assert.Null(AgencyEdits.Refusal(d, mine, "A"));
        var theirs = d with { Teams = [.. d.Teams.Where(t => t.Id != "B-1")] };
        Assert.Equal(RuleCodes.OtherAgency, AgencyEdits.Refusal(d, theirs, "A")!.Rules[0].Code);
        var given = d with { Teams = [.. d.Teams, new TeamDefinition("B-2", TeamKind.RaidTeam, "R0", "Call B-2", "B")] };
        Assert.NotNull(AgencyEdits.Refusal(d, given, "A"));
        Assert.NotNull(AgencyEdits.Refusal(d, d with { Name = "Renamed" }, "A"));
        Assert.Null(AgencyEdits.Refusal(d, theirs, "CC"));
        Assert.Equal(DomainErrorKind.Forbidden, AgencyEdits.Refusal(d, theirs, "A")!.Kind);
    }

    private static void CheckState(Viewpoint view, OperationState state, string context)
    {
        var shown = view.State(state);
        Assert.True(shown.Totals == state.Totals, context);
        Assert.All(state.Regions, r => Assert.True(shown.Regions[r.Key].Totals == r.Value.Totals, context));
        Assert.All(shown.Teams.Values, t => Assert.NotEqual(Sharing.CountsOnly, view.Level(t.Id)));
        Assert.All(shown.Regions.Values, r => Assert.All(r.TeamIds, id => Assert.True(shown.Teams.ContainsKey(id), context)));
        Assert.Equal(shown.Teams.Count, state.Teams.Keys.Count(id => !view.Hides(id)));
        var counts = TeamCounts.Of(shown.Teams.Values);
        Assert.True((shown.TeamsActive, shown.TeamsCompleted, shown.TeamsOverdue) == (counts.Active, counts.Completed, counts.Overdue), context);
        Assert.All(shown.Orders.Values, o => Assert.Contains(o.Recipients, id => view.Level(id) == Sharing.Full));
        NoSecretsOfWithheldTeams(view, JsonSerializer.Serialize(shown, Json), context + " (state)");
    }

    private static void CheckEvent(Viewpoint view, TimelineEvent e, OperationState state, string context)
    {
        var shown = view.Event(e, state);
        if (e.TeamId is { } team && view.Hides(team)) Assert.Null(shown);
        if (shown is null) return;
        NoSecretsOfWithheldTeams(view, JsonSerializer.Serialize(shown, Json), context + " (event)");
        if (shown.TeamId is { } t && view.Level(t) == Sharing.Summary) Assert.DoesNotContain(t, shown.Actor);
    }

    private static void CheckLive(Viewpoint view, CommittedEvent committed, OperationState after, string context)
    {
        var shown = view.Committed(committed);
        Assert.Equal(committed.Event.Seq, shown.Event.Seq);
        Assert.True(shown.Totals == committed.Totals, context);
        var counts = TeamCounts.Of(view.State(after).Teams.Values);
        Assert.True((shown.TeamsActive, shown.TeamsCompleted, shown.TeamsOverdue) == (counts.Active, counts.Completed, counts.Overdue),
            $"{context}: live counts {shown.TeamsActive}/{shown.TeamsCompleted}/{shown.TeamsOverdue}, view {counts}");
        if (committed.Event.TeamId is { } team && view.Hides(team))
        {
            Assert.Null(shown.Event.TeamId);
            Assert.Null(shown.Team);
        }

        // The withheld change is not a domain event the JSON knows: its parts are checked instead.
        var text = JsonSerializer.Serialize(new object?[] { shown.Event.Payload is WithheldChange ? null : shown.Event, shown.Team, shown.Order, shown.Distress }, Json);
        NoSecretsOfWithheldTeams(view, text, context + " (live)");
    }

    // Every secret is marked with its team: a note "NOTE-<team>", a reason "WHY-<team>", an author "lead-<team>" and a
    // latitude of 10 + the team's number / 1000 (a position withheld must not appear, even as a number).
    private static void NoSecretsOfWithheldTeams(Viewpoint view, string json, string context)
    {
        foreach (var team in view.Rules.Agencies.Any() ? AllTeams : [])
        {
            if (view.Level(team) == Sharing.Full) continue;
            foreach (var secret in new[] { $"NOTE-{team}", $"WHY-{team}", $"lead-{team}", Latitude(team).ToString(System.Globalization.CultureInfo.InvariantCulture) })
                Assert.False(json.Contains(secret, StringComparison.Ordinal), $"{context}: {secret} leaked in {json}");
            if (view.Hides(team)) Assert.False(json.Contains($"\"{team}\"", StringComparison.Ordinal), $"{context}: hidden team {team} named in {json}");
        }
    }

    private static readonly string[] AllTeams = [.. Enumerable.Range(0, 9).Select(i => $"T{i}")];

    private static double Latitude(string team) => 10 + int.Parse(team[1..]) / 1000.0 + 0.0001;

    private static OperationDefinition RandomOperation(Random random)
    {
        var count = random.Next(2, 6);
        var ids = Enumerable.Range(0, count).Select(i => $"AG{i}").ToList();
        var agencies = ids.Select(id => Agency(id, (Sharing)random.Next(3), coordinator: random.Next(8) == 0,
            fullWith: ids.Where(o => o != id && random.Next(4) == 0).ToArray())).ToList();
        var teams = AllTeams.Take(random.Next(3, AllTeams.Length + 1)).Select(t => (t, ids[random.Next(count)])).ToArray();
        return Definition(agencies, teams);
    }

    private static AgencyDefinition Agency(string id, Sharing shares, bool coordinator = false, params string[] fullWith) =>
        new(id, $"Agency {id}", null, AgencyKind.NationalPolice, coordinator, shares, [.. fullWith]);

    private static OperationDefinition Definition(IReadOnlyList<AgencyDefinition> agencies, params (string Team, string Agency)[] teams) =>
        new("op-1", "Need to know", Sample.T0, Sample.T0.AddDays(6), false,
            [new RegionDefinition("R0", "Region 0", null, new GeoPoint(1, 2), [ExploitationType.ForcedLabour]),
             new RegionDefinition("R1", "Region 1", null, new GeoPoint(3, 4), [ExploitationType.Other])],
            [.. teams.Select((t, i) => new TeamDefinition(t.Team, TeamKind.RaidTeam, $"R{i % 2}", $"Call {t.Team}", t.Agency))],
            Agencies: [.. agencies]);

    private static TimelineEvent RandomEvent(Random random, OperationState state, long seq)
    {
        var teams = state.Teams.Keys.ToList();
        var team = teams[random.Next(teams.Count)];
        var at = Sample.T0.AddMinutes(seq);
        TimelineEvent Of(string? teamId, EventPayload payload, string actor) => new(seq, "op-1", at, at, actor, teamId, $"key-{seq:D8}", payload);
        var openOrder = state.Orders.Values.FirstOrDefault(o => o.Unanswered.Any() && !o.Cancelled);
        var openCall = state.Distress.Values.FirstOrDefault(d => d.Open);
        switch (random.Next(11))
        {
            case 0 when openOrder is not null:
                var answering = openOrder.Unanswered.First();
                return Of(answering, new OrderAnswered(openOrder.Seq, random.Next(2) == 0 ? OrderAnswer.Unable : OrderAnswer.Acknowledged, $"WHY-{answering}"), $"lead-{answering}");
            case 1:
                var target = random.Next(3) switch { 0 => OrderTarget.Team(team), 1 => OrderTarget.Region("R1"), _ => OrderTarget.Everyone };
                return Of(null, new OrderIssued(new Order(OrderKind.Hold, "Hold position", target, null, null)), "commander");
            case 2 when openOrder is not null:
                return Of(null, new OrderOverdue(openOrder.Seq, [.. openOrder.Unanswered]), "system");
            case 3:
                return Of(team, new DistressRaised(new GeoPoint(Latitude(team), 20)), $"lead-{team}");
            case 4 when openCall is not null:
                return random.Next(2) == 0
                    ? Of(openCall.TeamId, new DistressCancelled(openCall.Seq, $"WHY-{openCall.TeamId}"), $"lead-{openCall.TeamId}")
                    : Of(openCall.TeamId, new DistressTaken(openCall.Seq), "commander");
            case 5:
                return Of(team, new CheckInOverdue(at.AddMinutes(-90), 60), "system");
            case 6:
                return Of(team, new ReportCorrected(new Correction(1, new Tally(0, 0, 0, 1), $"WHY-{team}")), $"lead-{team}");
            case 7:
                return Of(team, new PositionReported(new GeoPoint(Latitude(team), 20), $"TAK lead-{team}"), $"tak:lead-{team}");
            case 8:
                return Of(team, new MessageSent($"NOTE-{team}: need transport", $"TAK lead-{team}"), $"tak:lead-{team}");
            default:
                var status = (TeamStatus)random.Next(Enum.GetValues<TeamStatus>().Length);
                return Of(team, new FieldReported(new FieldReport(status, new Tally(random.Next(3), random.Next(3), random.Next(3), random.Next(2)),
                    [ExploitationType.ForcedBegging], new GeoPoint(Latitude(team), 20), $"NOTE-{team}")), $"lead-{team}");
        }
    }
}
