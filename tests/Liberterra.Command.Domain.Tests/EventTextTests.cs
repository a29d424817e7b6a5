namespace Liberterra.Command.Domain.Tests;

public class EventTextTests
{
    [Fact]
    public void A_report_is_its_status_in_words_its_signed_counts_singular_and_plural_right_and_its_hotspot()
    {
        var e = Sample.Report(2, "AR-RAID-01", new Tally(2, 1, 0, 3), TeamStatus.EnRoute, note: "a note is not part of it");
        Assert.Equal("En Route · +2 children, +1 woman, +3 arrests · Argentina", EventText.Describe(e, "Argentina"));
        Assert.Equal("On Site · +1 child, +2 women, +1 man, +1 arrest",
            EventText.Describe(Sample.Report(3, "AR-RAID-01", new Tally(1, 2, 1, 1), TeamStatus.OnSite), null));
        Assert.Equal("check-in", EventText.Describe(Sample.Report(4, "AR-RAID-01", Tally.Zero), ""));
    }

    [Fact]
    public void A_correction_names_the_event_it_corrects_its_signed_change_and_its_reason()
    {
        Assert.Equal("correction of #5: -1 child, +2 men · miscounted",
            EventText.Describe(Sample.Corrected(6, "AR-RAID-01", 5, new Tally(-1, 0, 2, 0)), "Argentina"));
        Assert.Equal("correction of #5: no change · miscounted", EventText.Describe(Sample.Corrected(6, "AR-RAID-01", 5, Tally.Zero), null));
    }

    [Fact]
    public void An_overdue_flag_says_how_long_the_team_has_been_silent()
    {
        var flagged = new TimelineEvent(7, "op-1", Sample.T0.AddMinutes(64), null, "system", "MK-RAID-01", "system/overdue/MK-RAID-01/6",
            new CheckInOverdue(Sample.T0, 30));
        Assert.Equal("CHECK-IN OVERDUE · no check-in for 1 h 04 min · North Macedonia", EventText.Describe(flagged, "North Macedonia"));
    }

    [Fact]
    public void A_definition_counts_its_hotspots_and_teams()
    {
        Assert.Equal("operation defined: Test operation, 2 hotspots, 3 teams", EventText.Describe(Sample.Defined(Sample.TwoRegions()), null));
    }

    [Fact]
    public void A_phrase_carries_the_same_event_as_data_with_its_hotspot_only_where_it_happened()
    {
        var report = EventText.Phrase(Sample.Report(2, "AR-RAID-01", new Tally(2, 1, 0, -1), TeamStatus.EnRoute, note: "never in it"), "Argentina");
        Assert.Equal("report", report.Key);
        Assert.Equal(new Dictionary<string, string> { ["arrested"] = "-1", ["children"] = "2", ["region"] = "Argentina", ["status"] = "EnRoute", ["women"] = "1" },
            report.Args);

        var correction = EventText.Phrase(Sample.Corrected(6, "AR-RAID-01", 5, new Tally(-1, 0, 0, 0)), "Argentina");
        Assert.Equal("correction", correction.Key);
        Assert.Equal(new Dictionary<string, string> { ["children"] = "-1", ["corrects"] = "5", ["reason"] = "miscounted" }, correction.Args);

        var flagged = new TimelineEvent(7, "op-1", Sample.T0.AddMinutes(64), null, "system", "MK-RAID-01", "system/overdue/MK-RAID-01/6",
            new CheckInOverdue(Sample.T0, 30));
        var overdue = EventText.Phrase(flagged, "North Macedonia");
        Assert.Equal("overdue", overdue.Key);
        Assert.Equal(new Dictionary<string, string> { ["region"] = "North Macedonia", ["silentSeconds"] = "3840" }, overdue.Args);

        var defined = EventText.Phrase(Sample.Defined(Sample.TwoRegions()), "ignored");
        Assert.Equal("operation-defined", defined.Key);
        Assert.Equal(new Dictionary<string, string> { ["hotspots"] = "2", ["name"] = "Test operation", ["teams"] = "3" }, defined.Args);
    }

    [Theory]
    [InlineData(0, "0 s")]
    [InlineData(45, "45 s")]
    [InlineData(60 * 12, "12 min")]
    [InlineData(60 * 64, "1 h 04 min")]
    [InlineData(3600 * 47 + 60 * 5, "47 h 05 min")]
    [InlineData(3600 * 51, "2 d 3 h")]
    [InlineData(-5, "0 s")]
    public void Spans_read_as_the_wall_writes_them(int seconds, string text) =>
        Assert.Equal(text, EventText.Span(TimeSpan.FromSeconds(seconds)));
}
