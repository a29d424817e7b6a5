using Liberterra.Command.Domain;
using Liberterra.Command.Storage;
using Liberterra.Command.Testing;
using Npgsql;

namespace Liberterra.Command.Durability.Tests;

/// <summary>
/// A command the database refuses for its content leaves the timeline's pooled connection fit for the next one: the
/// data source the server uses (automatic preparation, no reset on close), one connection in the pool, so every
/// command after the refused one runs on the same connection.
/// </summary>
public class when_the_database_refuses_a_command_for_its_content : IAsyncLifetime
{
    private NpgsqlDataSource _db = null!;
    private PostgresTimelineStore _store = null!;
    private static readonly DateTimeOffset T0 = TimelineClock.Normalize(DateTimeOffset.UtcNow);

    public async Task InitializeAsync()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("refused");
        _db = PostgresTimelineStore.CreateDataSource(connectionString + ";Maximum Pool Size=1");
        _store = new PostgresTimelineStore(_db);
        await _store.AppendAsync("op", [new TimelineEvent(1, "op", T0, null, "admin", null, "define-1",
            new OperationDefined(new OperationDefinition("op", "Op", T0, T0.AddDays(6), false,
                [new RegionDefinition("AR", "Argentina", "AR", new GeoPoint(-34, -64), [])],
                [new TeamDefinition("AR-RAID-01", TeamKind.RaidTeam, "AR", "Condor", "Police")])))]);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static TimelineEvent Report(long seq, string actor, string? note = null) => new(seq, "op", T0.AddSeconds(seq), null, actor,
        "AR-RAID-01", $"key-{seq:D8}-{Guid.NewGuid():N}", new FieldReported(new FieldReport(null, new Tally(1, 0, 0, 0), [], null, note)));

    [Fact]
    public async Task marks_before_and_after_refused_marks_succeed_on_the_same_connection()
    {
        // Enough uses for automatic preparation, then refusals, each followed by a good command of the same text.
        for (var i = 0; i < 3; i++) await _store.MarkAsync("op", 1, $"good {i}", "cmd", false);
        for (var i = 0; i < 4; i++)
        {
            var refused = await Record.ExceptionAsync(() => _store.MarkAsync("op", 1, "nul\u0000title", "cmd", false));
            Assert.True(TimelineContentRefusedException.IsContentRefusal(refused!), refused?.ToString());
            var mark = await _store.MarkAsync("op", 1, $"after refusal {i}", "cmd", false);
            Assert.Equal($"after refusal {i}", mark.Title);
            Assert.Equal($"after refusal {i}", (await _store.ListMarksAsync("op")).Single().Title);
        }
    }

    // The use that automatically prepares a statement (the second, AutoPrepareMinUsages) sends Parse, Describe, Bind and
    // Execute at once; if the database refuses that use, Npgsql must not keep the statement as prepared with a
    // description that does not match the server's (npgsql/npgsql#6391: "Received unexpected backend message DataRow").
    [Theory]
    [InlineData("no such event")]
    [InlineData("content")]
    public async Task a_mark_refused_on_the_use_that_prepares_it_leaves_the_connection_fit(string refusal)
    {
        await _store.MarkAsync("op", 1, "first use", "cmd", false);
        var refused = await Record.ExceptionAsync(() => refusal == "content"
            ? _store.MarkAsync("op", 1, "nul\u0000title", "cmd", false)
            : _store.MarkAsync("op", 999, "no such event", "cmd", false));
        Assert.NotNull(refused);
        for (var i = 0; i < 3; i++)
        {
            var mark = await _store.MarkAsync("op", 1, $"after refusal {i}", "cmd", false);
            Assert.Equal($"after refusal {i}", mark.Title);
        }

        Assert.Equal("after refusal 2", (await _store.ListMarksAsync("op")).Single().Title);
    }

    [Fact]
    public async Task an_append_refused_for_its_content_on_the_use_that_prepares_it_leaves_the_connection_fit()
    {
        // The definition was the single-event statement's first use; its second holds a note PostgreSQL's jsonb refuses
        // (the escaped NUL), refused at Bind as the statement is being prepared.
        var refused = await Record.ExceptionAsync(() => _store.AppendAsync("op", [Report(2, "lead", "nul\u0000note")]));
        Assert.IsType<TimelineContentRefusedException>(refused);
        for (var seq = 2L; seq <= 4; seq++) await _store.AppendAsync("op", [Report(seq, "lead")]);
        Assert.Equal([1L, 2, 3, 4], (await _store.ReadAsync("op", 0).ToListAsync()).Select(e => e.Seq));
    }

    [Fact]
    public async Task an_append_refused_on_the_use_that_prepares_it_leaves_the_connection_fit()
    {
        // The definition above was the single-event statement's first use; its second is refused by the database (the
        // definition's idempotency key again: a unique violation, after the head has moved inside the same statement).
        var again = Report(2, "lead") with { IdempotencyKey = "define-1" };
        var conflict = await Record.ExceptionAsync(() => _store.AppendAsync("op", [again]));
        Assert.IsType<TimelineConflictException>(conflict);
        Assert.IsType<PostgresException>(conflict.InnerException);
        for (var seq = 2L; seq <= 4; seq++) await _store.AppendAsync("op", [Report(seq, "lead")]);
        Assert.Equal([1L, 2, 3, 4], (await _store.ReadAsync("op", 0).ToListAsync()).Select(e => e.Seq));
    }

    [Fact]
    public async Task appends_before_and_after_a_refused_append_succeed_and_the_refused_one_stored_nothing()
    {
        var seq = 2L;
        for (var i = 0; i < 3; i++) await _store.AppendAsync("op", [Report(seq++, "lead"), Report(seq++, "lead")]);
        for (var i = 0; i < 4; i++)
        {
            var one = await Record.ExceptionAsync(() => _store.AppendAsync("op", [Report(seq, "lead\u0000nul")]));
            Assert.IsType<TimelineContentRefusedException>(one);
            var batch = await Record.ExceptionAsync(() => _store.AppendAsync("op", [Report(seq, "lead"), Report(seq + 1, "nul\u0000lead")]));
            Assert.IsType<TimelineContentRefusedException>(batch);
            // A text column: Npgsql's strict UTF-8 refuses it before sending (in JSON, System.Text.Json writes U+FFFD instead).
            var surrogate = await Record.ExceptionAsync(() => _store.AppendAsync("op", [Report(seq, "lone \ud800 half")]));
            Assert.IsType<TimelineContentRefusedException>(surrogate);
            // Other statements on the same connection right after a refusal, as a significant mark after a refused report.
            Assert.Equal($"after refused append {i}", (await _store.MarkAsync("op", 1, $"after refused append {i}", "cmd", false)).Title);
            Assert.NotNull(await _store.ReadEventAsync("op", seq - 1));
            await _store.AppendAsync("op", [Report(seq++, "lead"), Report(seq++, "lead")]);
            await _store.AppendAsync("op", [Report(seq++, "lead")]);
        }

        var stored = await _store.ReadAsync("op", 0).ToListAsync();
        Assert.Equal(Enumerable.Range(1, (int)seq - 1).Select(n => (long)n), stored.Select(e => e.Seq));
        Assert.All(stored, e => Assert.DoesNotContain('\u0000', e.Actor));
    }
}
