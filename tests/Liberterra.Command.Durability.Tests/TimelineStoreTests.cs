using System.Text.Json;
using Liberterra.Command.Domain;
using Liberterra.Command.Storage;
using Liberterra.Command.Testing;
using Npgsql;

namespace Liberterra.Command.Durability.Tests;

public class TimelineStoreTests : IAsyncLifetime
{
    private NpgsqlDataSource _db = null!;
    private PostgresTimelineStore _store = null!;

    public async Task InitializeAsync()
    {
        _db = NpgsqlDataSource.Create(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("timeline"));
        _store = new PostgresTimelineStore(_db);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static readonly DateTimeOffset T0 = TimelineClock.Normalize(new DateTimeOffset(2024, 9, 29, 6, 0, 0, TimeSpan.Zero).AddTicks(1234560));

    private static TimelineEvent Report(string op, long seq, string? key = null) => new(
        seq, op, T0.AddMinutes(seq), seq % 2 == 0 ? T0.AddMinutes(seq - 1) : null, "lead-7", "AR-RAID-01", key ?? $"key-{seq:D8}",
        new FieldReported(new FieldReport(TeamStatus.Briefed, new Tally((int)seq, 1, 0, 2),
            [ExploitationType.ForcedLabour], new GeoPoint(-26.8, -65.2), $"note {seq} ünïcødé <b>")));

    private static TimelineEvent Defined(string op) => new(1, op, T0, null, "admin", null, "define-00000001",
        new OperationDefined(new OperationDefinition(op, "Op", T0, T0.AddDays(6), false,
            [new RegionDefinition("AR", "Argentina", "AR", new GeoPoint(-34, -64), [ExploitationType.ForcedLabour])],
            [new TeamDefinition("AR-RAID-01", TeamKind.RaidTeam, "AR", "Condor", "Police")])));

    [Fact]
    public async Task events_read_back_exactly_as_appended()
    {
        var events = new[] { Defined("op-a"), Report("op-a", 2), Report("op-a", 3) };
        await _store.AppendAsync("op-a", events[..1]);
        await _store.AppendAsync("op-a", events[1..]);

        var read = await _store.ReadAsync("op-a", 0).ToListAsync();
        Assert.Equal(Json(events), Json(read));
        Assert.Equal(Json(events[2]), Json(await _store.ReadEventAsync("op-a", 3)));
        Assert.Equal([2L, 3L], (await _store.ReadAsync("op-a", 1).ToListAsync()).Select(e => e.Seq));
        var keys = await _store.ReadKeysAsync("op-a", 0, 2).ToListAsync();
        Assert.Equal([("define-00000001", 1L), ("key-00000002", 2L)], keys.Select(k => (k.Key, k.Seq)));
        Assert.Equal(Fingerprints.Of(events[1]), keys.Single(k => k.Seq == 2).Fingerprint);
        Assert.Equal([("key-00000002", 2L), ("key-00000003", 3L)], (await _store.ReadKeysAsync("op-a", 1, 3).ToListAsync()).Select(k => (k.Key, k.Seq)));
        var found = await _store.FindKeysAsync("op-a", ["key-00000003", "never-used", "define-00000001"]);
        Assert.Equal([("define-00000001", 1L), ("key-00000003", 3L)], found.Select(k => (k.Key, k.Seq)).Order());
        Assert.Equal(Fingerprints.Of(events[2]), found.Single(k => k.Seq == 3).Fingerprint);
        Assert.Contains("op-a", await _store.ListOperationsAsync());
    }

    [Fact]
    public async Task activity_sums_reports_and_corrections_per_team_and_bucket_the_same_in_postgresql_and_in_memory()
    {
        var memory = new InMemoryTimelineStore();
        TimelineEvent At(long seq, int minutes, string team, EventPayload payload) =>
            new(seq, "op-act", T0.AddMinutes(minutes), null, "lead", team, $"k-{seq}", payload);
        FieldReported Counts(int c, int w, int m, int a) => new(new FieldReport(null, new Tally(c, w, m, a), [], null, null));
        var events = new[]
        {
            Defined("op-act"),
            At(2, 5, "AR-RAID-01", Counts(2, 1, 0, 3)),
            At(3, 20, "AR-RAID-01", Counts(1, 0, 0, 0)),                               // same hour bucket
            At(4, 70, "AR-RAID-01", Counts(0, 4, 1, 1)),                               // next bucket
            At(5, 75, "AR-RAID-01", new ReportCorrected(new Correction(4, new Tally(0, -1, 0, 0), "miscount"))),
            At(6, 80, "AR-RAID-01", new CheckInOverdue(T0, 30)),                       // no counts
            At(7, 200, "AR-RAID-01", Counts(9, 9, 9, 9)),                              // outside the range asked
        };
        foreach (var (writer, store) in new (ITimelineWriter, ITimelineReader)[] { (_store, _store), (memory, memory) })
        {
            await writer.AppendAsync("op-act", events);
            var cells = await store.ReadActivityAsync("op-act", T0, TimeSpan.FromHours(1), 2);
            Assert.Equal(
                [("AR-RAID-01", 0, new Tally(3, 1, 0, 3)), ("AR-RAID-01", 1, new Tally(0, 3, 1, 1))],
                cells.Select(c => (c.TeamId, c.Bucket, c.Counts)).OrderBy(c => c.Bucket));

            var histogram = await store.HistogramAsync("op-act", T0.AddMinutes(5), T0.AddMinutes(200), 4);
            Assert.Equal(new[] { 2, 3, 0, 1 }, histogram);
            var latest = await store.ReadLatestAsync("op-act", [EventKinds.FieldReported, EventKinds.CheckInOverdue], 3);
            Assert.Equal([7L, 6L, 4L], latest.Select(e => e.Seq));
        }
    }

    [Fact]
    public async Task a_batch_that_would_leave_a_gap_or_repeat_a_number_stores_nothing()
    {
        await _store.AppendAsync("op-b", [Defined("op-b"), Report("op-b", 2)]);
        await Assert.ThrowsAsync<TimelineConflictException>(() => _store.AppendAsync("op-b", [Report("op-b", 4), Report("op-b", 5)]));
        Assert.False((await Assert.ThrowsAsync<TimelineConflictException>(() => _store.AppendAsync("op-b", [Report("op-b", 2, "other-key-01")]))).KeyTaken);
        await Assert.ThrowsAsync<TimelineConflictException>(() => _store.AppendAsync("op-c", [Report("op-c", 2)]));
        Assert.Equal(2, (await _store.ReadAsync("op-b", 0).ToListAsync()).Count);
        Assert.Empty(await _store.ReadAsync("op-c", 0).ToListAsync());
    }

    [Fact]
    public async Task a_batch_repeating_an_idempotency_key_stores_nothing_of_the_batch()
    {
        await _store.AppendAsync("op-d", [Defined("op-d"), Report("op-d", 2, "dup-key-0001")]);
        var taken = await Assert.ThrowsAsync<TimelineConflictException>(() =>
            _store.AppendAsync("op-d", [Report("op-d", 3), Report("op-d", 4, "dup-key-0001"), Report("op-d", 5)]));
        Assert.True(taken.KeyTaken);
        Assert.Equal(2, (await _store.ReadAsync("op-d", 0).ToListAsync()).Count);
        await _store.AppendAsync("op-d", [Report("op-d", 3)]);
    }

    [Fact]
    public async Task of_writers_racing_for_the_same_sequence_numbers_exactly_one_wins()
    {
        await _store.AppendAsync("op-e", [Defined("op-e")]);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Record.ExceptionAsync(() =>
            _store.AppendAsync("op-e", [Report("op-e", 2, $"racer-{w}-key"), Report("op-e", 3, $"racer-{w}-key2")]))));
        Assert.Single(results, r => r is null);
        Assert.All(results.Where(r => r is not null), r => Assert.IsType<TimelineConflictException>(r));
        Assert.Equal([1L, 2L, 3L], (await _store.ReadAsync("op-e", 0).ToListAsync()).Select(e => e.Seq));
    }

    [Theory]
    [InlineData("UPDATE timeline_events SET actor = 'someone else'")]
    [InlineData("DELETE FROM timeline_events")]
    [InlineData("TRUNCATE timeline_events CASCADE")]
    public async Task the_database_refuses_to_change_or_remove_timeline_rows(string sql)
    {
        await _store.AppendAsync("op-f", [Defined("op-f"), Report("op-f", 2)]);
        await using var cmd = _db.CreateCommand(sql);
        var error = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        Assert.Contains("append-only", error.MessageText);
        Assert.Equal(2, (await _store.ReadAsync("op-f", 0).ToListAsync()).Count);
    }

    private static string Json(IEnumerable<TimelineEvent?> events) => JsonSerializer.Serialize(events, DomainJson.Options);

    private static string Json(TimelineEvent? e) => JsonSerializer.Serialize(e, DomainJson.Options);
}
