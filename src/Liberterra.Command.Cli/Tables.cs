using Liberterra.Command.Contracts;

namespace Liberterra.Command.Cli;

/// <summary>Plain-text tables for a terminal.</summary>
internal static class Tables
{
    /// <summary>
    /// Text from the server as a terminal may show it: control characters dropped (they could move the cursor), at most
    /// <paramref name="max"/> characters.
    /// </summary>
    public static string Printable(string text, int max) =>
        new([.. text.Where(c => !char.IsControl(c)).Take(max)]);

    public static string Totals(TotalsView t) =>
        $"rescued {t.Rescued:N0} (children {t.Children:N0}, women {t.Women:N0}, men {t.Men:N0})  arrested {t.Arrested:N0}";

    /// <param name="now">Real time: on an exercise's compressed clock it is read as the operation's time.</param>
    public static string Operation(OperationView o, DateTimeOffset now, int regions = int.MaxValue)
    {
        now = Domain.OperationClock.At(o.WindowStart, o.ClockSpeed, now);
        var w = new StringWriter();
        w.WriteLine($"{o.Name} ({o.Id}){(o.Exercise ? "  *** EXERCISE ***" : "")}{(o.ClockSpeed is { } speed ? $"  clock {speed:0.#}x real time" : "")}");
        w.WriteLine($"window {o.WindowStart:yyyy-MM-dd} to {o.WindowEnd:yyyy-MM-dd} UTC   {Day(o, now)}   seq {o.LastSeq}");
        w.WriteLine($"TOTAL  {Totals(o.Totals)}   teams active {o.TeamsActive} of {o.Teams.Count}, raids completed {o.RaidsCompleted} ({o.TeamsCompleted} teams in Completed now)");
        var overdue = o.Teams.Where(t => t.OverdueSince is not null).Select(t => t.Id).ToList();
        if (overdue.Count > 0) w.WriteLine($"OVERDUE CHECK-INS ({overdue.Count}): {string.Join(", ", overdue.Take(12))}{(overdue.Count > 12 ? ", ..." : "")}");
        w.WriteLine();
        w.WriteLine($"{"REGION",-24} {"RESCUED",8} {"CHILD",6} {"WOMEN",6} {"MEN",6} {"ARREST",7} {"TEAMS",6}");
        foreach (var r in o.Regions.OrderByDescending(r => r.Totals.Rescued + r.Totals.Arrested).ThenBy(r => r.Id).Take(regions))
            w.WriteLine($"{Cut(r.Name, 24),-24} {r.Totals.Rescued,8:N0} {r.Totals.Children,6:N0} {r.Totals.Women,6:N0} {r.Totals.Men,6:N0} {r.Totals.Arrested,7:N0} {r.TeamIds.Count,6}");
        return w.ToString();
    }

    public static string Team(TeamView t)
    {
        var w = new StringWriter();
        w.WriteLine($"{t.Id}  {t.CallSign} ({t.Kind}, {t.Agency}), region {t.RegionId}");
        w.WriteLine($"status {t.Status}   next: {string.Join(", ", t.AllowedNext)}{(t.OverdueSince is { } since ? $"   OVERDUE since {since:HH:mm} UTC" : "")}");
        w.WriteLine($"{Totals(t.Totals)}");
        w.WriteLine($"reports {t.ReportCount}, last check-in {(t.LastReportAt is { } at ? $"{at:yyyy-MM-dd HH:mm:ss} UTC" : "never")}, seq {t.LastSeq}");
        if (t.Position is { } p) w.WriteLine($"position {p.Latitude:0.####}, {p.Longitude:0.####}");
        return w.ToString();
    }

    public static string Region(RegionView r) =>
        $"{r.Id}  {r.Name}{(r.CountryCode is null ? "" : $" ({r.CountryCode})")}\n{Totals(r.Totals)}\nteams {string.Join(", ", r.TeamIds)}\n" +
        $"exploitation expected {string.Join(", ", r.ExploitationTypes)}; found {string.Join(", ", r.ExploitationFound)}\n";

    public static string Day(OperationView o, DateTimeOffset now)
    {
        var days = (int)Math.Ceiling((o.WindowEnd - o.WindowStart).TotalDays);
        if (now < o.WindowStart) return $"starts in {(o.WindowStart - now).TotalHours:0} h";
        if (now >= o.WindowEnd) return $"ended ({days} days)";
        return $"day {(int)((now - o.WindowStart).TotalDays) + 1} of {days}";
    }

    private static string Cut(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
