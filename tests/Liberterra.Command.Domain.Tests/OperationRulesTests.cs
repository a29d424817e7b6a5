
namespace Liberterra.Command.Domain.Tests;

public class OperationRulesTests
{
    private static readonly DateTimeOffset Now = new(2024, 10, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TeamState Team = TeamState.Initial(new TeamDefinition("AR-RAID-01", TeamKind.RaidTeam, "AR", "Condor", "PFA"));

    private static FieldReport Report(Tally? counts = null, TeamStatus? status = null, GeoPoint? position = null, string? note = null) =>
        Sample.EmptyReport with { Counts = counts ?? Tally.Zero, Status = status, Position = position, Note = note };

    [Fact]
    public void an_empty_report_is_a_valid_check_in() =>
        Assert.Null(OperationRules.ValidateReport(Team, Sample.EmptyReport, null, Now));

    [Theory]
    [InlineData(-1, 0, 0, 0, "children")]
    [InlineData(0, 1001, 0, 0, "women")]
    [InlineData(0, 0, -5, 0, "men")]
    [InlineData(0, 0, 0, 100000, "arrested")]
    public void counts_out_of_range_are_refused_naming_the_field(int c, int w, int m, int a, string field)
    {
        var error = OperationRules.ValidateReport(Team, Report(new Tally(c, w, m, a)), null, Now);
        Assert.Equal(DomainErrorKind.Validation, error?.Kind);
        Assert.Equal([field], error!.Fields.Keys);
    }

    [Theory]
    [InlineData(90.5, 0, "position.latitude")]
    [InlineData(0, -180.01, "position.longitude")]
    [InlineData(double.NaN, 0, "position.latitude")]
    public void positions_off_the_globe_are_refused(double lat, double lon, string field)
    {
        var error = OperationRules.ValidateReport(Team, Report(position: new GeoPoint(lat, lon)), null, Now);
        Assert.Contains(field, error!.Fields.Keys);
    }

    [Fact]
    public void a_note_is_plain_text_of_at_most_1000_characters()
    {
        Assert.Null(OperationRules.ValidateReport(Team, Report(note: new string('a', 1000)), null, Now));
        Assert.Null(OperationRules.ValidateReport(Team, Report(note: "line one\nline <b>two</b>"), null, Now));
        Assert.Contains("note", OperationRules.ValidateReport(Team, Report(note: new string('a', 1001)), null, Now)!.Fields.Keys);
        Assert.Contains("note", OperationRules.ValidateReport(Team, Report(note: "bell\u0007"), null, Now)!.Fields.Keys);
    }

    [Fact]
    public void a_message_to_command_is_plain_text_of_at_most_1000_characters_from_a_named_source()
    {
        Assert.Null(OperationRules.ValidateMessage(new MessageSent(new string('a', 1000), "TAK phone"), Now, Now));
        Assert.Null(OperationRules.ValidateMessage(new MessageSent("need\ntransport <now>", "TAK phone"), null, Now));
        Assert.Contains(OperationRules.ValidateMessage(new MessageSent(new string('a', 1001), "TAK phone"), Now, Now)!.Rules, r => r.Field == "text" && r.Code == RuleCodes.TooLong);
        Assert.Contains("text", OperationRules.ValidateMessage(new MessageSent("bell\u0007", "TAK phone"), Now, Now)!.Fields.Keys);
        Assert.Contains("source", OperationRules.ValidateMessage(new MessageSent("ok", " "), Now, Now)!.Fields.Keys);
        Assert.Contains("clientTime", OperationRules.ValidateMessage(new MessageSent("ok", "TAK phone"), Now.AddHours(1), Now)!.Fields.Keys);
    }

    [Fact]
    public void a_device_clock_far_ahead_or_weeks_old_is_refused()
    {
        Assert.Null(OperationRules.ValidateReport(Team, Sample.EmptyReport, Now.AddMinutes(-90), Now));
        Assert.Contains("clientTime", OperationRules.ValidateReport(Team, Sample.EmptyReport, Now.AddHours(1), Now)!.Fields.Keys);
        Assert.Contains("clientTime", OperationRules.ValidateReport(Team, Sample.EmptyReport, Now.AddDays(-60), Now)!.Fields.Keys);
    }

    [Fact]
    public void an_illegal_transition_lists_the_statuses_allowed_next()
    {
        var error = OperationRules.ValidateReport(Team, Report(status: TeamStatus.Engaged), null, Now);
        Assert.Equal(DomainErrorKind.IllegalTransition, error?.Kind);
        Assert.Equal([TeamStatus.Briefed, TeamStatus.Holding, TeamStatus.Aborted], error!.AllowedNext.ToArray());
        Assert.Contains("Standby", error.Detail);
    }

    [Fact]
    public void a_correction_can_never_take_a_total_below_zero()
    {
        var team = Team with { Totals = new Tally(4, 2, 0, 3), LastSeq = 7, ReportCount = 1 };
        Assert.Null(OperationRules.ValidateCorrection(team, new Correction(7, new Tally(-4, 0, 0, -3), "double count"), Own7, null, Now));
        var error = OperationRules.ValidateCorrection(team, new Correction(7, new Tally(-5, 0, 0, 0), "double count"), Own7, null, Now);
        Assert.Equal(["children"], error!.Fields.Keys);
    }

    [Fact]
    public void a_correction_needs_a_reason_a_change_and_an_earlier_report()
    {
        var team = Team with { Totals = new Tally(4, 2, 0, 3), LastSeq = 7, ReportCount = 1 };
        Assert.Contains("reason", OperationRules.ValidateCorrection(team, new Correction(7, new Tally(-1, 0, 0, 0), " "), Own7, null, Now)!.Fields.Keys);
        Assert.Contains("corrects", OperationRules.ValidateCorrection(team, new Correction(8, new Tally(-1, 0, 0, 0), "x"), null, null, Now)!.Fields.Keys);
        Assert.NotNull(OperationRules.ValidateCorrection(team, new Correction(7, Tally.Zero, "x"), Own7, null, Now));
        // A team that never reported has nothing to correct (its definition event is not a report).
        var silent = Team with { LastSeq = 7, ReportCount = 0 };
        Assert.Contains("corrects", OperationRules.ValidateCorrection(silent, new Correction(7, new Tally(2, 0, 0, 0), "x"), Own7, null, Now)!.Fields.Keys);
    }

    private static readonly CorrectionTarget Own7 = new(7, "AR-RAID-01", EventKinds.FieldReported);

    [Theory]
    [InlineData(1L, null, EventKinds.OperationDefined)]
    [InlineData(7L, "MK-RAID-01", EventKinds.FieldReported)]
    [InlineData(7L, "AR-RAID-01", EventKinds.CheckInOverdue)]
    public void a_correction_corrects_only_one_of_this_team_s_own_reports_or_corrections(long seq, string? teamId, string kind)
    {
        var team = Team with { Totals = new Tally(4, 2, 0, 3), LastSeq = 7, ReportCount = 1 };
        var error = OperationRules.ValidateCorrection(team, new Correction(seq, new Tally(-1, 0, 0, 0), "x"), new CorrectionTarget(seq, teamId, kind), null, Now);
        Assert.Equal(["corrects"], error!.Fields.Keys);
        Assert.Null(OperationRules.ValidateCorrection(team, new Correction(7, new Tally(-1, 0, 0, 0), "x"),
            new CorrectionTarget(7, "AR-RAID-01", EventKinds.ReportCorrected), null, Now));
    }

    [Theory]
    [InlineData("nul\\u0000inside", true)]
    [InlineData("bell\\u0007", true)]
    [InlineData("lone \\ud800 high", true)]
    [InlineData("lone \\udc00 low", true)]
    [InlineData("reversed \\udc00\\ud800", true)]
    [InlineData("C1 \\u0085 next line", true)]
    [InlineData("two\\nlines", false)]
    [InlineData("tab\\there", false)]
    public void text_that_cannot_be_stored_or_shown_is_refused(string escaped, bool multiline)
    {
        var text = System.Text.RegularExpressions.Regex.Unescape(escaped);
        Assert.NotNull(PlainText.Problem(text, multiline));
    }

    [Theory]
    [InlineData("Farm near Tucumán", false)]
    [InlineData("Скопје · 團隊 · فريق", false)]
    [InlineData("emoji \\ud83d\\udea8 pair", false)]
    [InlineData("two\\nlines\\r\\nand a\\ttab", true)]
    public void plain_text_in_any_script_is_accepted(string escaped, bool multiline) =>
        Assert.Null(PlainText.Problem(System.Text.RegularExpressions.Regex.Unescape(escaped), multiline));

    [Fact]
    public void a_title_is_one_line_of_plain_text()
    {
        Assert.Null(OperationRules.ValidateMarkTitle("Raid on the farm"));
        Assert.Equal(["title"], OperationRules.ValidateMarkTitle("bell\u0007")!.Fields.Keys);
        Assert.Equal(["title"], OperationRules.ValidateMarkTitle("two\nlines")!.Fields.Keys);
        Assert.Equal(["title"], OperationRules.ValidateMarkTitle(" ")!.Fields.Keys);
        Assert.Equal(["title"], OperationRules.ValidateMarkTitle(new string('x', 201))!.Fields.Keys);
    }

    [Fact]
    public void a_refusal_names_at_most_twenty_fields_and_counts_the_rest()
    {
        var fields = new FieldErrors();
        for (var i = 0; i < 1000; i++) fields.Add($"regions[{i:D4}].name", RuleCodes.Required, "is required");
        var error = DomainError.Invalid(fields);
        Assert.Equal(DomainError.MaxFields, error.Fields.Count);
        Assert.Equal(DomainError.MaxFields, error.Rules.Length);
        Assert.All(error.Rules, r => Assert.Equal(RuleCodes.Required, r.Code));
        Assert.Equal(1000 - DomainError.MaxFields, error.MoreFields);
        Assert.True(error.Detail.Length < 2000, error.Detail);
    }

    [Fact]
    public void a_definition_names_every_broken_field()
    {
        var d = Sample.TwoRegions();
        var broken = d with
        {
            Id = "bad id",
            WindowEnd = d.WindowStart,
            Teams = d.Teams.Add(new TeamDefinition("AR-RAID-01", TeamKind.RaidTeam, "XX", "", "P")),
        };
        var error = OperationRules.ValidateDefinition(broken, null)!;
        Assert.Contains("id", error.Fields.Keys);
        Assert.Contains("windowEnd", error.Fields.Keys);
        Assert.Contains("teams[3].id", error.Fields.Keys);
        Assert.Contains("teams[3].regionId", error.Fields.Keys);
        Assert.Contains("teams[3].callSign", error.Fields.Keys);
    }

    [Fact]
    public void a_team_with_reports_cannot_be_removed_or_moved()
    {
        var d = Sample.TwoRegions();
        var state = OperationReducer.Fold(null, [Sample.Defined(d), Sample.Report(2, "AR-RAID-01", new Tally(1, 0, 0, 0))])!;
        var removed = d with { Teams = d.Teams.RemoveAt(0) };
        var moved = d with { Teams = d.Teams.SetItem(0, d.Teams[0] with { RegionId = "MK" }) };
        var renamed = d with { Teams = d.Teams.SetItem(0, d.Teams[0] with { CallSign = "Condor" }) };
        Assert.Equal(DomainErrorKind.Conflict, OperationRules.ValidateDefinition(removed, state)?.Kind);
        Assert.Equal(DomainErrorKind.Conflict, OperationRules.ValidateDefinition(moved, state)?.Kind);
        Assert.Null(OperationRules.ValidateDefinition(renamed, state));
        Assert.Null(OperationRules.ValidateDefinition(d with { Teams = d.Teams.RemoveAt(2) }, state));
    }

    [Theory]
    [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c3301", true)]
    [InlineData("report:AR-RAID-01:0001", true)]
    [InlineData("short", false)]
    [InlineData("has space in it", false)]
    [InlineData("", false)]
    public void idempotency_keys_are_8_to_128_safe_characters(string key, bool valid) =>
        Assert.Equal(valid, OperationRules.IsValidIdempotencyKey(key));
}
