using System.Text.Json;
using Liberterra.Command.Domain;
using Liberterra.Command.Storage;
using Liberterra.Command.Testing;
using Npgsql;

namespace Liberterra.Command.Durability.Tests;

/// <summary>
/// Property: for random histories, the state reconstructed at event n (nearest stored past state + fold) equals the
/// live state after event n, for every n, by sequence number and by time; on PostgreSQL and in memory.
/// </summary>
public class TimeTravelTests
{
    private static readonly DateTimeOffset T0 = new(2024, 9, 29, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    public async Task the_state_at_every_event_equals_the_live_state_after_it(int seed, bool postgres)
    {
        NpgsqlDataSource? db = null;
        try
        {
            (ITimelineWriter Writer, ITimelineReader Reader) store;
            if (postgres)
            {
                db = NpgsqlDataSource.Create(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("timetravel"));
                var postgresStore = new PostgresTimelineStore(db);
                store = (postgresStore, postgresStore);
            }
            else
            {
                var memoryStore = new InMemoryTimelineStore();
                store = (memoryStore, memoryStore);
            }

            var op = $"tt-{seed}";
            var (events, live) = RandomHistory(op, seed, 400);
            // Appended in uneven batches, as group commit does.
            var random = new Random(seed);
            for (var i = 0; i < events.Count;)
            {
                var n = Math.Min(events.Count - i, random.Next(1, 12));
                await store.Writer.AppendAsync(op, events.GetRange(i, n));
                i += n;
            }

            var travel = new TimeTravel(store.Reader) { KeepEvery = 25 };
            // In a random order, so folds start from past states kept by earlier queries as well as from scratch.
            foreach (var n in Enumerable.Range(1, events.Count).OrderBy(_ => random.Next()))
            {
                var at = await travel.AtSeqAsync(op, n);
                Assert.Equal(Json(live[n - 1]), Json(at!));
            }

            foreach (var n in Enumerable.Range(1, events.Count).Where(n => n % 7 == 0))
                Assert.Equal(Json(live[n - 1]), Json((await travel.AtTimeAsync(op, events[n - 1].ServerTime))!));
            Assert.Null(await travel.AtTimeAsync(op, T0.AddSeconds(-1)));

            // Past states were kept along the way: no query folds more than KeepEvery events from now on.
            for (var n = 30; n <= events.Count; n += 37)
            {
                var past = await store.Reader.ReadPastStateAsync(op, n);
                Assert.NotNull(past);
                Assert.True(n - past.Value.Seq < travel.KeepEvery, $"state at {n} would fold {n - past.Value.Seq} events");
            }
        }
        finally
        {
            if (db is not null) await db.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_past_state_of_an_older_reducer_is_passed_over_and_the_timeline_folded_again()
    {
        var store = new InMemoryTimelineStore();
        const string op = "tt-old-reducer";
        var (events, live) = RandomHistory(op, 5, 300);
        await store.AppendAsync(op, events);
        var last = events.Count;
        Assert.True(live[last - 11].RaidsCompleted > 0, "the history completes no raid: nothing to lose");

        // What a version 1 fold stored: no raids completed, no version.
        var old = live[last - 11] with { RaidsCompleted = 0, ReducerVersion = 0 };
        await store.SavePastStateAsync(op, old.LastSeq, TimeTravel.Serialize(old));

        var at = await new TimeTravel(store).AtSeqAsync(op, last);
        Assert.Equal(Json(live[last - 1]), Json(at!));

        // The old past state was replaced by this reducer's fold: the next query starts from it.
        var replaced = await store.ReadPastStateAsync(op, old.LastSeq);
        Assert.Equal(old.LastSeq, replaced!.Value.Seq);
        Assert.Equal(Json(live[last - 11]), replaced.Value.State);
    }

    private static string Json(OperationState s) => JsonSerializer.Serialize(s, DomainJson.Options);

    /// <summary>Events that pass the rules (reports, corrections, overdue flags), with the live state after each.</summary>
    private static (List<TimelineEvent> Events, List<OperationState> Live) RandomHistory(string op, int seed, int count)
    {
        var random = new Random(seed);
        var regions = new[] { "AR", "MK", "IQ" };
        var definition = new OperationDefinition(op, "Time travel", T0, T0.AddDays(6), false,
            [.. regions.Select(r => new RegionDefinition(r, r, r, new GeoPoint(1, 2), [ExploitationType.ForcedLabour]))],
            [.. Enumerable.Range(1, 9).Select(i => new TeamDefinition($"T{i}", TeamKind.RaidTeam, regions[i % 3], $"T{i}", "Police"))]);
        var events = new List<TimelineEvent> { new(1, op, T0, null, "admin", null, "define", new OperationDefined(definition)) };
        var live = new List<OperationState> { OperationReducer.Apply(null, events[0]) };
        while (events.Count < count)
        {
            var state = live[^1];
            var team = state.Teams.Values.ElementAt(random.Next(state.Teams.Count));
            var seq = state.LastSeq + 1;
            var now = T0.AddSeconds(seq * 3);
            EventPayload? payload = null;
            if (random.Next(12) == 0 && team.ReportCount > 0)
                payload = new CheckInOverdue(now.AddMinutes(-40), 30);
            else if (random.Next(7) == 0 && team.ReportCount > 0)
            {
                var correction = new Correction(team.LastSeq, new Tally(-random.Next(0, 3), random.Next(-1, 2), 0, -random.Next(0, 2)), "recount");
                if (OperationRules.ValidateCorrection(team, correction, new CorrectionTarget(team.LastSeq, team.Id, EventKinds.FieldReported), null, now) is null) payload = new ReportCorrected(correction);
            }
            else
            {
                var status = random.Next(3) == 0 ? Enum.GetValues<TeamStatus>()[random.Next(9)] : (TeamStatus?)null;
                var report = new FieldReport(status, new Tally(random.Next(0, 5), random.Next(0, 4), random.Next(0, 3), random.Next(0, 4)),
                    [ExploitationType.SexualExploitation], random.Next(2) == 0 ? new GeoPoint(random.NextDouble(), 3) : null, null);
                if (OperationRules.ValidateReport(team, report, now, now) is null) payload = new FieldReported(report);
            }

            if (payload is null) continue;
            var e = new TimelineEvent(seq, op, now, null, "lead", team.Definition.Id, $"k-{seq}", payload);
            events.Add(e);
            live.Add(OperationReducer.Apply(state, e));
        }

        return (events, live);
    }
}
