namespace Liberterra.Command.Domain;

/// <summary>A team's status from one instant to the next.</summary>
public sealed record StatusSpan(TeamStatus Status, DateTimeOffset From, DateTimeOffset To);

/// <summary>A team flagged overdue: the event that flagged it, when, and when it had last checked in.</summary>
public sealed record OverdueFlag(long Seq, string TeamId, DateTimeOffset FlaggedAt, DateTimeOffset LastCheckIn);

/// <summary>
/// The after-action report's figures, folded from the timeline in one pass with constant memory per team and per day:
/// reports and corrections, counts per UTC day, reports per team, each team's statuses over time and every overdue
/// flag. Like <see cref="OperationReducer"/>, it reads events in sequence order and nothing else; the totals come from
/// the reducer's final state (corrections included), never from here.
/// </summary>
public sealed class AfterAction
{
    private readonly SortedDictionary<DateOnly, (Tally Counts, int Reports)> _days = [];
    private readonly Dictionary<string, int> _teamReports = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<StatusSpan>> _spans = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (TeamStatus Status, DateTimeOffset Since)> _current = new(StringComparer.Ordinal);
    private readonly List<OverdueFlag> _overdue = [];

    public int Reports { get; private set; }

    public int Corrections { get; private set; }

    /// <summary>Server time of the first and of the last event folded (null before any).</summary>
    public DateTimeOffset? First { get; private set; }

    public DateTimeOffset? Last { get; private set; }

    public IReadOnlyList<OverdueFlag> Overdue => _overdue;

    /// <summary>Folds one event (in sequence order).</summary>
    public void Add(TimelineEvent e)
    {
        First ??= e.ServerTime;
        Last = e.ServerTime;
        switch (e.Payload)
        {
            case OperationDefined { Definition: var d }:
                // A team added by a redefinition starts in the initial status from then; a kept team keeps its history.
                foreach (var t in d.Teams) _current.TryAdd(t.Id, (TeamLifecycle.Initial, e.ServerTime));
                break;
            case FieldReported { Report: var r }:
                Reports++;
                Count(e.ServerTime, r.Counts, 1);
                _teamReports[e.TeamId!] = ReportsOf(e.TeamId!) + 1;
                if (r.Status is { } status && _current.TryGetValue(e.TeamId!, out var was) && was.Status != status)
                {
                    Spans(e.TeamId!).Add(new StatusSpan(was.Status, was.Since, e.ServerTime));
                    _current[e.TeamId!] = (status, e.ServerTime);
                }

                break;
            case ReportCorrected { Correction: var c }:
                Corrections++;
                Count(e.ServerTime, c.Delta, 0);
                break;
            case CheckInOverdue o:
                _overdue.Add(new OverdueFlag(e.Seq, e.TeamId!, e.ServerTime, o.LastCheckIn));
                break;
        }
    }

    /// <summary>Reports a team made (corrections not counted).</summary>
    public int ReportsOf(string teamId) => _teamReports.GetValueOrDefault(teamId);

    /// <summary>The team's statuses, the last one lasting until <paramref name="end"/>.</summary>
    public IReadOnlyList<StatusSpan> StatusesOf(string teamId, DateTimeOffset end)
    {
        List<StatusSpan> spans = [.. _spans.GetValueOrDefault(teamId) ?? []];
        if (_current.TryGetValue(teamId, out var now)) spans.Add(new StatusSpan(now.Status, now.Since, end));
        return spans;
    }

    /// <summary>Counts and reports per UTC day, the last <paramref name="maxDays"/> days when the events span more.</summary>
    public IEnumerable<(DateOnly Day, Tally Counts, int Reports)> Days(int maxDays) =>
        _days.TakeLast(maxDays).Select(d => (d.Key, d.Value.Counts, d.Value.Reports));

    private List<StatusSpan> Spans(string teamId) => _spans.TryGetValue(teamId, out var list) ? list : _spans[teamId] = [];

    private void Count(DateTimeOffset at, Tally counts, int reports)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        var (sum, n) = _days.GetValueOrDefault(day, (Tally.Zero, 0));
        _days[day] = (sum.Add(counts), n + reports);
    }
}
