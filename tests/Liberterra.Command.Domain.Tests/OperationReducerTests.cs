using System.Text.Json;

namespace Liberterra.Command.Domain.Tests;

public class OperationReducerTests
{
    [Fact]
    public void Raids_completed_counts_every_entry_into_Completed_and_never_goes_down()
    {
        var state = OperationReducer.Apply(null, Sample.Defined(Sample.TwoRegions()));
        Assert.Equal(OperationReducer.Version, state.ReducerVersion);
        long seq = 1;
        void Status(string team, TeamStatus status) => state = OperationReducer.Apply(state, Sample.Report(++seq, team, Tally.Zero, status));

        foreach (var s in new[] { TeamStatus.Briefed, TeamStatus.EnRoute, TeamStatus.OnSite, TeamStatus.Engaged, TeamStatus.Completed })
            Status("AR-RAID-01", s);
        Assert.Equal((1, 1), (state.RaidsCompleted, state.TeamsCompleted));

        // The same status restated (a check-in while Completed) is not a second raid.
        Status("AR-RAID-01", TeamStatus.Completed);
        Assert.Equal((1, 1), (state.RaidsCompleted, state.TeamsCompleted));

        // The team starts its next raid: it leaves Completed, the raid it completed stays counted.
        Status("AR-RAID-01", TeamStatus.Standby);
        Assert.Equal((1, 0), (state.RaidsCompleted, state.TeamsCompleted));
        foreach (var s in new[] { TeamStatus.Briefed, TeamStatus.EnRoute, TeamStatus.OnSite, TeamStatus.Completed })
            Status("AR-RAID-01", s);
        foreach (var s in new[] { TeamStatus.Briefed, TeamStatus.EnRoute, TeamStatus.OnSite, TeamStatus.Aborted })
            Status("MK-RAID-01", s);
        Assert.Equal((2, 1), (state.RaidsCompleted, state.TeamsCompleted));

        // A definition sent again keeps the count.
        state = OperationReducer.Apply(state, Sample.Defined(Sample.TwoRegions(), ++seq));
        Assert.Equal((2, 1), (state.RaidsCompleted, state.TeamsCompleted));
        Assert.True(state.IsCurrent);
    }

    [Fact]
    public void a_report_adds_to_its_team_its_region_and_the_operation()
    {
        var s = OperationReducer.Fold(null, [
            Sample.Defined(Sample.TwoRegions()),
            Sample.Report(2, "AR-RAID-01", new Tally(4, 2, 0, 3), TeamStatus.Briefed),
            Sample.Report(3, "MK-RAID-01", new Tally(0, 5, 1, 2)),
        ])!;

        Assert.Equal(new Tally(4, 2, 0, 3), s.Teams["AR-RAID-01"].Totals);
        Assert.Equal(TeamStatus.Briefed, s.Teams["AR-RAID-01"].Status);
        Assert.Equal(new Tally(4, 2, 0, 3), s.Regions["AR"].Totals);
        Assert.Equal(new Tally(0, 5, 1, 2), s.Regions["MK"].Totals);
        Assert.Equal(new Tally(4, 7, 1, 5), s.Totals);
        Assert.Equal(12, s.Totals.Rescued);
        Assert.Equal(3, s.LastSeq);
        Assert.Equal(Sample.T0.AddMinutes(3), s.Teams["MK-RAID-01"].LastReportAt);
    }

    [Fact]
    public void a_correction_adjusts_totals_and_keeps_the_original_report()
    {
        var events = new[]
        {
            Sample.Defined(Sample.TwoRegions()),
            Sample.Report(2, "AR-RAID-01", new Tally(6, 0, 0, 1)),
            Sample.Corrected(3, "AR-RAID-01", 2, new Tally(-2, 0, 0, 0)),
        };
        var s = OperationReducer.Fold(null, events)!;
        Assert.Equal(new Tally(4, 0, 0, 1), s.Teams["AR-RAID-01"].Totals);
        Assert.Equal(new Tally(4, 0, 0, 1), s.Totals);
        Assert.Equal(1, s.Teams["AR-RAID-01"].ReportCount);
    }

    [Fact]
    public void a_redefinition_keeps_every_team_s_progress()
    {
        var d = Sample.TwoRegions();
        var s = OperationReducer.Fold(null, [
            Sample.Defined(d),
            Sample.Report(2, "AR-RAID-01", new Tally(1, 1, 1, 1), TeamStatus.Briefed),
            Sample.Defined(d with { Name = "Renamed", Teams = d.Teams.Add(new TeamDefinition("AR-RAID-03", TeamKind.SpecialTaskForce, "AR", "New", "P")) }, 3),
        ])!;
        Assert.Equal("Renamed", s.Name);
        Assert.Equal(TeamStatus.Briefed, s.Teams["AR-RAID-01"].Status);
        Assert.Equal(new Tally(1, 1, 1, 1), s.Regions["AR"].Totals);
        Assert.Equal(["AR-RAID-01", "AR-RAID-02", "AR-RAID-03"], s.Regions["AR"].TeamIds.ToList());
    }

    [Fact]
    public void a_message_to_command_moves_the_sequence_and_nothing_else()
    {
        var before = OperationReducer.Fold(null, [Sample.Defined(Sample.TwoRegions()), Sample.Report(2, "AR-RAID-01", new Tally(1, 0, 0, 0))])!;
        var after = OperationReducer.Apply(before, new TimelineEvent(3, "op-1", Sample.T0.AddMinutes(3), null, "tak:phone", "AR-RAID-01", "key-3",
            new MessageSent("need transport", "TAK phone")));
        Assert.Equal(3, after.LastSeq);
        Assert.Equal(3, after.Teams["AR-RAID-01"].LastSeq);
        // Not a check-in, no move, no count.
        Assert.Equal(before.Teams["AR-RAID-01"] with { LastSeq = 3 }, after.Teams["AR-RAID-01"]);
        Assert.Equal(before.Totals, after.Totals);
        Assert.Equal("message to command from TAK phone: need transport",
            EventText.Describe(new TimelineEvent(3, "op-1", Sample.T0, null, "x", "AR-RAID-01", "k", new MessageSent("need transport", "TAK phone")), "Region AR"));
    }

    [Fact]
    public void an_overdue_flag_stays_until_the_team_reports_again()
    {
        var s = OperationReducer.Fold(null, [
            Sample.Defined(Sample.TwoRegions()),
            Sample.Report(2, "AR-RAID-01", Tally.Zero, TeamStatus.Briefed),
            new TimelineEvent(3, "op-1", Sample.T0.AddHours(1), null, "liberterra", "AR-RAID-01", "overdue-1", new CheckInOverdue(Sample.T0.AddMinutes(2), 30)),
        ])!;
        Assert.Equal(Sample.T0.AddHours(1), s.Teams["AR-RAID-01"].OverdueSince);
        Assert.Equal(1, s.TeamsOverdue);
        Assert.Empty(OperationRules.OverdueTeams(s, Sample.T0.AddHours(5), TimeSpan.FromMinutes(30)));

        s = OperationReducer.Apply(s, Sample.Report(4, "AR-RAID-01", new Tally(1, 0, 0, 0)));
        Assert.Null(s.Teams["AR-RAID-01"].OverdueSince);
        Assert.Equal(0, s.TeamsOverdue);
    }

    [Fact]
    public void only_active_teams_silent_for_the_interval_are_due()
    {
        var s = OperationReducer.Fold(null, [
            Sample.Defined(Sample.TwoRegions()),
            Sample.Report(2, "AR-RAID-01", Tally.Zero, TeamStatus.Briefed),
            Sample.Report(3, "AR-RAID-02", Tally.Zero, TeamStatus.Aborted),
        ])!;
        var interval = TimeSpan.FromMinutes(30);
        Assert.Empty(OperationRules.OverdueTeams(s, Sample.T0.AddMinutes(31), interval));
        Assert.Equal(["AR-RAID-01"], OperationRules.OverdueTeams(s, Sample.T0.AddMinutes(33), interval).Select(t => t.Id));
    }

    [Fact]
    public void an_event_out_of_sequence_is_refused()
    {
        var s = OperationReducer.Apply(null, Sample.Defined(Sample.TwoRegions()));
        Assert.Throws<InvalidOperationException>(() => OperationReducer.Apply(s, Sample.Report(3, "AR-RAID-01", Tally.Zero)));
        Assert.Throws<InvalidOperationException>(() => OperationReducer.Apply(s, Sample.Report(1, "AR-RAID-01", Tally.Zero)));
    }

    /// <summary>
    /// Random histories that pass the rules: at every step the sums are exact, nothing is negative, and folding the
    /// timeline after a JSON round trip (as stored) gives exactly the same state.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void sums_stay_exact_and_the_stored_timeline_folds_to_the_same_state(int seed)
    {
        var random = new Random(seed);
        var teams = Enumerable.Range(1, 8).Select(i => ($"T{i:D2}", i % 3 == 0 ? "MK" : i % 3 == 1 ? "AR" : "IQ")).ToArray();
        var events = new List<TimelineEvent> { Sample.Defined(Sample.Definition(teams)) };
        var state = OperationReducer.Apply(null, events[0]);
        var now = Sample.T0.AddDays(1);
        var accepted = Tally.Zero;

        for (var attempt = 0; attempt < 600; attempt++)
        {
            var team = state.Teams[teams[random.Next(teams.Length)].Item1];
            var seq = state.LastSeq + 1;
            TimelineEvent e;
            if (random.Next(10) == 0 && team.ReportCount > 0)
            {
                e = new TimelineEvent(seq, "op-1", now, null, "liberterra", team.Id, $"k-{seq:D8}", new CheckInOverdue(now.AddHours(-1), 30));
            }
            else if (random.Next(6) == 0 && team.ReportCount > 0)
            {
                var delta = new Tally(-random.Next(0, 4), random.Next(-2, 3), random.Next(-2, 3), -random.Next(0, 3));
                var correction = new Correction(team.LastSeq, delta, "recount");
                if (OperationRules.ValidateCorrection(team, correction, new CorrectionTarget(team.LastSeq, team.Id, EventKinds.FieldReported), null, now) is not null) continue;
                e = new TimelineEvent(seq, "op-1", now, null, "lead", team.Id, $"k-{seq:D8}", new ReportCorrected(correction));
                accepted = accepted.Add(delta);
            }
            else
            {
                var status = random.Next(3) == 0 ? Enum.GetValues<TeamStatus>()[random.Next(9)] : (TeamStatus?)null;
                var counts = new Tally(random.Next(0, 6), random.Next(0, 4), random.Next(0, 3), random.Next(0, 4));
                var report = new FieldReport(status, counts, [ExploitationType.ForcedLabour], new GeoPoint(random.NextDouble(), 2), null);
                if (OperationRules.ValidateReport(team, report, now, now) is not null) continue;
                e = new TimelineEvent(seq, "op-1", now, now, "lead", team.Id, $"k-{seq:D8}", new FieldReported(report));
                accepted = accepted.Add(counts);
            }

            state = OperationReducer.Apply(state, e);
            events.Add(e);
            AssertExactSums(state);
        }

        Assert.True(events.Count > 300, $"only {events.Count} events were accepted");
        Assert.Equal(accepted, state.Totals);

        var stored = events.Select(e => JsonSerializer.Deserialize<TimelineEvent>(JsonSerializer.Serialize(e, DomainJson.Options), DomainJson.Options)!);
        var rebuilt = OperationReducer.Fold(null, stored)!;
        Assert.Equal(JsonSerializer.Serialize(state, DomainJson.Options), JsonSerializer.Serialize(rebuilt, DomainJson.Options));
    }

    private static void AssertExactSums(OperationState s)
    {
        foreach (var region in s.Regions.Values)
        {
            var members = s.Teams.Values.Where(t => t.Definition.RegionId == region.Id).ToList();
            Assert.Equal(members.Aggregate(Tally.Zero, (a, t) => a.Add(t.Totals)), region.Totals);
            Assert.Equal(members.Select(t => t.Id).Order(StringComparer.Ordinal).ToList(), region.TeamIds.ToList());
        }

        Assert.Equal(s.Regions.Values.Aggregate(Tally.Zero, (a, r) => a.Add(r.Totals)), s.Totals);
        Assert.Equal(s.Teams.Values.Count(t => TeamLifecycle.IsActive(t.Status)), s.TeamsActive);
        Assert.Equal(s.Teams.Values.Count(t => t.Status == TeamStatus.Completed), s.TeamsCompleted);
        Assert.True(s.RaidsCompleted >= s.TeamsCompleted, $"raids completed {s.RaidsCompleted} below the teams in Completed {s.TeamsCompleted}");
        Assert.Equal(s.Teams.Values.Count(t => t.OverdueSince is not null), s.TeamsOverdue);
        Assert.All(s.Teams.Values, t => Assert.True(
            t.Totals is { Children: >= 0, Women: >= 0, Men: >= 0, Arrested: >= 0 }, $"{t.Id} went negative: {t.Totals}"));
    }
}
