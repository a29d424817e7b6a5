using System.Collections.Immutable;

namespace Liberterra.Command.Domain.Tests;

/// <summary>A small operation and helpers to build events for it.</summary>
internal static class Sample
{
    public static readonly DateTimeOffset T0 = new(2024, 9, 29, 6, 0, 0, TimeSpan.Zero);

    public static OperationDefinition Definition(params (string Team, string Region)[] teams)
    {
        var regionIds = teams.Select(t => t.Region).Append("AR").Append("MK").Distinct().Order().ToList();
        return new OperationDefinition(
            "op-1", "Test operation", T0, T0.AddDays(6), false,
            [.. regionIds.Select(r => new RegionDefinition(r, $"Region {r}", r, new GeoPoint(1, 2), [ExploitationType.ForcedLabour]))],
            [.. teams.Select(t => new TeamDefinition(t.Team, TeamKind.RaidTeam, t.Region, $"Call {t.Team}", "Police"))]);
    }

    public static OperationDefinition TwoRegions() =>
        Definition(("AR-RAID-01", "AR"), ("AR-RAID-02", "AR"), ("MK-RAID-01", "MK"));

    public static TimelineEvent Defined(OperationDefinition d, long seq = 1) =>
        new(seq, d.Id, T0, null, "admin", null, $"define-{seq:D8}", new OperationDefined(d));

    public static TimelineEvent Report(long seq, string team, Tally counts, TeamStatus? status = null, string? note = null) =>
        new(seq, "op-1", T0.AddMinutes(seq), T0.AddMinutes(seq), "lead", team, $"key-{seq:D8}",
            new FieldReported(new FieldReport(status, counts, [], null, note)));

    public static TimelineEvent Corrected(long seq, string team, long corrects, Tally delta) =>
        new(seq, "op-1", T0.AddMinutes(seq), null, "lead", team, $"key-{seq:D8}",
            new ReportCorrected(new Correction(corrects, delta, "miscounted")));

    public static FieldReport EmptyReport => new(null, Tally.Zero, ImmutableArray<ExploitationType>.Empty, null, null);
}
