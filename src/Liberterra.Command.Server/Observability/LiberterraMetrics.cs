using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Liberterra.Command.Contracts;

namespace Liberterra.Command.Server.Observability;

/// <summary>How many displays are connected to this silo's live hub (the live hub's connections say).</summary>
public interface IDisplayCount
{
    int Count { get; }
}

/// <summary>
/// The product's own measurements (meter <c>Liberterra.Command</c>): reports accepted, repeated and refused; the
/// time from a report's commit to its delta being written to this silo's displays; displays connected; overdue teams.
/// </summary>
public sealed class LiberterraMetrics : IDisposable
{
    public const string MeterName = "Liberterra.Command";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _repeated;
    private readonly Counter<long> _refused;
    private readonly Histogram<double> _toWall;
    private readonly ConcurrentDictionary<string, int> _overdue = new(StringComparer.Ordinal);

    public LiberterraMetrics(IDisplayCount connections)
    {
        _accepted = _meter.CreateCounter<long>("liberterra.reports.accepted", "{report}", "Field reports and corrections committed to the timeline.");
        _repeated = _meter.CreateCounter<long>("liberterra.reports.repeated", "{report}", "Retries of an already committed report (same idempotency key), answered without a new event.");
        _refused = _meter.CreateCounter<long>("liberterra.reports.refused", "{report}", "Reports refused, by HTTP status.");
        _toWall = _meter.CreateHistogram<double>("liberterra.report_to_wall.duration", "ms",
            "From a report's commit (its server time) to its delta being written to this silo's displays.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5, 10, 15, 25, 50, 100, 250, 500, 1000, 5000] });
        _meter.CreateObservableGauge("liberterra.walls.connected", () => connections.Count, "{connection}", "Displays (walls, watchers) connected to this silo's live hub.");
        _meter.CreateObservableGauge("liberterra.teams.overdue",
            () => _overdue.Select(o => new Measurement<int>(o.Value, new KeyValuePair<string, object?>("operation", o.Key))),
            "{team}", "Teams flagged overdue, by operation, as last pushed to this silo.");
    }

    public void Accepted(string kind) => _accepted.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Repeated(string kind) => _repeated.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Refused(int status) => _refused.Add(1, new KeyValuePair<string, object?>("status", status));

    /// <summary>A batch of deltas was just written to this silo's displays.</summary>
    public void Pushed(string operationId, OperationDelta[] deltas)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var d in deltas)
        {
            // An exercise's compressed clock runs ahead of real time (OperationClock): its events' times say nothing of
            // the delay, so they are left out; a real operation's are measured (a silo's clock a little behind counts 0).
            var delay = (now - d.ServerTime).TotalMilliseconds;
            if (delay > -1000) _toWall.Record(Math.Max(0, delay));
        }
        _overdue[operationId] = deltas[^1].TeamsOverdue;
    }

    public void Dispose() => _meter.Dispose();
}
