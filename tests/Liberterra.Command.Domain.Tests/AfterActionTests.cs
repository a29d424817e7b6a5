
namespace Liberterra.Command.Domain.Tests;

/// <summary>The after-action report's fold, on its own, like the reducer.</summary>
public class AfterActionTests
{
    private static TimelineEvent At(TimelineEvent e, DateTimeOffset t) => e with { ServerTime = t };

    [Fact]
    public void reports_corrections_days_and_statuses_are_folded_in_one_pass()
    {
        var day2 = Sample.T0.AddDays(1);
        var fold = new AfterAction();
        foreach (var e in new[]
        {
            Sample.Defined(Sample.TwoRegions()),
            Sample.Report(2, "AR-RAID-01", new Tally(4, 2, 0, 3), TeamStatus.Briefed),
            Sample.Report(3, "AR-RAID-01", new Tally(1, 0, 0, 0), TeamStatus.Briefed),       // same status: no new span
            At(Sample.Report(4, "AR-RAID-01", new Tally(0, 1, 0, 1), TeamStatus.EnRoute), day2),
            At(Sample.Corrected(5, "AR-RAID-01", 2, new Tally(-1, 0, 0, 0)), day2.AddHours(1)),
            At(Sample.Report(6, "MK-RAID-01", new Tally(0, 0, 2, 0)), day2.AddHours(2)),
        })
            fold.Add(e);

        Assert.Equal(4, fold.Reports);
        Assert.Equal(1, fold.Corrections);
        Assert.Equal(3, fold.ReportsOf("AR-RAID-01"));
        Assert.Equal(1, fold.ReportsOf("MK-RAID-01"));
        Assert.Equal(0, fold.ReportsOf("AR-RAID-02"));
        Assert.Equal(Sample.T0, fold.First);
        Assert.Equal(day2.AddHours(2), fold.Last);

        // Day one: two reports; day two: two reports and the correction (its delta counts, not as a report).
        Assert.Equal(
            [(DateOnly.FromDateTime(Sample.T0.UtcDateTime), new Tally(5, 2, 0, 3), 2), (DateOnly.FromDateTime(day2.UtcDateTime), new Tally(-1, 1, 2, 1), 2)],
            fold.Days(62).ToList());
        Assert.Single(fold.Days(1));

        var end = day2.AddDays(1);
        Assert.Equal(
            [
                new StatusSpan(TeamStatus.Standby, Sample.T0, Sample.T0.AddMinutes(2)),
                new StatusSpan(TeamStatus.Briefed, Sample.T0.AddMinutes(2), day2),
                new StatusSpan(TeamStatus.EnRoute, day2, end),
            ],
            fold.StatusesOf("AR-RAID-01", end));
        Assert.Equal([new StatusSpan(TeamStatus.Standby, Sample.T0, end)], fold.StatusesOf("MK-RAID-01", end));
    }

    [Fact]
    public void overdue_flags_are_listed_with_the_check_in_they_followed()
    {
        var fold = new AfterAction();
        fold.Add(Sample.Defined(Sample.TwoRegions()));
        fold.Add(Sample.Report(2, "AR-RAID-01", Tally.Zero, TeamStatus.Briefed));
        var flagged = Sample.T0.AddHours(3);
        fold.Add(new TimelineEvent(3, "op-1", flagged, null, "liberterra", "AR-RAID-01", "system/overdue/AR-RAID-01/2",
            new CheckInOverdue(Sample.T0.AddMinutes(2), 60)));

        var flag = Assert.Single(fold.Overdue);
        Assert.Equal(new OverdueFlag(3, "AR-RAID-01", flagged, Sample.T0.AddMinutes(2)), flag);
    }

    [Fact]
    public void a_team_added_by_a_redefinition_starts_its_history_then()
    {
        var fold = new AfterAction();
        fold.Add(Sample.Defined(Sample.TwoRegions()));
        var later = Sample.T0.AddHours(5);
        fold.Add(At(Sample.Defined(Sample.Definition(("AR-RAID-01", "AR"), ("AR-RAID-02", "AR"), ("MK-RAID-01", "MK"), ("MK-RAID-02", "MK")), 2), later));

        Assert.Equal([new StatusSpan(TeamStatus.Standby, later, later.AddHours(1))], fold.StatusesOf("MK-RAID-02", later.AddHours(1)));
        Assert.Equal([new StatusSpan(TeamStatus.Standby, Sample.T0, later.AddHours(1))], fold.StatusesOf("AR-RAID-01", later.AddHours(1)));
        Assert.Equal(0, fold.Reports);
    }
}

public class DefinitionsTests
{
    [Fact]
    public void a_definition_sent_again_with_its_lists_reordered_is_the_same()
    {
        var a = Sample.TwoRegions();
        var b = a with { Regions = [.. a.Regions.Reverse()], Teams = [.. a.Teams.Reverse()] };
        Assert.True(Definitions.Same(a, b));
        // Arrays inside regions are compared by content, not by reference.
        var c = a with { Regions = [.. a.Regions.Select(r => r with { ExploitationTypes = [.. r.ExploitationTypes] })] };
        Assert.True(Definitions.Same(a, c));
    }

    [Fact]
    public void any_changed_field_makes_it_an_update()
    {
        var a = Sample.TwoRegions();
        Assert.False(Definitions.Same(a, a with { Name = "Renamed" }));
        Assert.False(Definitions.Same(a, a with { WindowEnd = a.WindowEnd.AddDays(1) }));
        Assert.False(Definitions.Same(a, a with { Exercise = !a.Exercise }));
        Assert.False(Definitions.Same(a, a with { Teams = [.. a.Teams.Skip(1)] }));
        Assert.False(Definitions.Same(a, a with { Teams = [a.Teams[0] with { CallSign = "Other" }, .. a.Teams.Skip(1)] }));
        Assert.False(Definitions.Same(a, a with { Regions = [a.Regions[0] with { ExploitationTypes = [ExploitationType.SexualExploitation] }, .. a.Regions.Skip(1)] }));
    }
}
