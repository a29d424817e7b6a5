using System.Diagnostics;
using Liberterra.Command.Domain;
using Liberterra.Command.Storage;

namespace Liberterra.Command.Bench;

/// <summary>
/// A generated operation of N events (400 teams over 40 regions; the first event defines it, the others are field
/// reports from random teams, a status change in four, a position in three) written straight to the database as the
/// operation grain writes it: the timeline in batches, a past state every 1,000 events. For benchmarks only (time
/// travel, replay, a failover of a long operation): no shipped command writes this way.
/// </summary>
internal static class GeneratedTimeline
{
    public static async Task<(OperationState State, DateTimeOffset[] Times)> WriteAsync(
        PostgresTimelineStore store, string op, int count, DateTimeOffset start, TimeSpan window, bool exercise, CancellationToken ct,
        TimeSpan? span = null)
    {
        // The events are spread over `span` from the start (default: the whole window).
        var step = (span ?? window) / count;
        var regions = Enumerable.Range(0, 40).Select(r => new RegionDefinition($"R{r:D2}", $"Region {r}", null, new GeoPoint(-40 + r * 2, -70 + r * 4), [ExploitationType.ForcedLabour])).ToArray();
        var teams = Enumerable.Range(0, 400).Select(t => new TeamDefinition($"T{t:D3}", TeamKind.RaidTeam, $"R{t % 40:D2}", $"T{t}", "Bench")).ToArray();
        var definition = new OperationDefinition(op, "Generated operation", start, start + window, exercise, [.. regions], [.. teams]);
        var statuses = new[] { TeamStatus.Briefed, TeamStatus.EnRoute, TeamStatus.OnSite, TeamStatus.Engaged, TeamStatus.Extracting, TeamStatus.Completed, TeamStatus.Standby };
        var random = new Random(2024);
        var clock = Stopwatch.StartNew();
        OperationState? state = null;
        var batch = new List<TimelineEvent>(5000);
        var pastStates = new List<(long Seq, string State)>();
        var times = new DateTimeOffset[count + 1];
        for (long seq = 1; seq <= count; seq++)
        {
            var at = TimelineClock.Normalize(start + step * seq);
            times[seq] = at;
            var team = teams[random.Next(teams.Length)].Id;
            EventPayload payload = seq == 1
                ? new OperationDefined(definition)
                : new FieldReported(new FieldReport(random.Next(4) == 0 ? statuses[random.Next(statuses.Length)] : null,
                    new Tally(random.Next(0, 3), random.Next(0, 3), random.Next(0, 2), random.Next(0, 3)), [],
                    random.Next(3) == 0 ? new GeoPoint(random.NextDouble() * 60 - 30, random.NextDouble() * 120 - 60) : null, null));
            var e = new TimelineEvent(seq, op, at, null, "bench", seq == 1 ? null : team, $"generated-{seq}", payload);
            state = OperationReducer.Apply(state, e);
            batch.Add(e);
            // As the operation grain does with its snapshots: a past state every 1,000 events (kept once committed).
            if (seq % 1000 == 0) pastStates.Add((seq, TimeTravel.Serialize(state)));
            if (batch.Count == batch.Capacity || seq == count)
            {
                await store.AppendAsync(op, batch, ct);
                batch.Clear();
                foreach (var (pastSeq, json) in pastStates) await store.SavePastStateAsync(op, pastSeq, json, ct);
                pastStates.Clear();
            }

            if (seq % 100_000 == 0) Console.WriteLine($"  {seq:N0} events, {seq / clock.Elapsed.TotalSeconds:N0}/s");
        }

        return (state!, times);
    }
}
