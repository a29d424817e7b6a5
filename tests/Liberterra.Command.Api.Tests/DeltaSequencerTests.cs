using Liberterra.Command.Domain;
using Liberterra.Command.Server.Live;
using Microsoft.Extensions.Time.Testing;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// The relay's ordering on its own, on a fake clock: no server, no timer, no race. What the displays are sent, and when
/// the timeline is asked for what never arrived.
/// </summary>
public class DeltaSequencerTests
{
    private const string Op = "op";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2024, 9, 29, 6, 0, 0, TimeSpan.Zero));
    private readonly List<long[]> _sent = [];
    private readonly List<(long From, long UpTo, TaskCompletionSource Done)> _readBacks = [];

    private DeltaSequencer Sequencer(TimeSpan? flush = null) => new(_time,
        (op, batch) => { Assert.Equal(Op, op); _sent.Add([.. batch.Select(d => d.Event.Seq)]); },
        (op, from, upTo) =>
        {
            var done = new TaskCompletionSource();
            _readBacks.Add((from, upTo, done));
            return done.Task;
        })
    { FlushInterval = flush ?? TimeSpan.Zero };

    private static CommittedEvent[] D(params long[] seqs) =>
        [.. seqs.Select(s => new CommittedEvent(new TimelineEvent(s, Op, DateTimeOffset.UnixEpoch, null, "lead", "T1", $"key-{s:D8}",
            new CheckInOverdue(DateTimeOffset.UnixEpoch, 30)), null, null, Tally.Zero, 1, 0, 0, 0))];

    private long[] Everything => [.. _sent.SelectMany(b => b)];

    [Fact]
    public void batches_in_order_go_out_as_they_come()
    {
        var s = Sequencer();
        s.Deliver(Op, D(1, 2));
        s.Deliver(Op, D(3));
        Assert.Equal([[1, 2], [3]], _sent);
        Assert.Null(s.NextDeadline);
    }

    [Fact]
    public void an_early_batch_waits_for_the_one_before_it_and_both_go_out_in_order()
    {
        var s = Sequencer();
        s.Position(Op, 5, onlyIfUnknown: true);
        s.Deliver(Op, D(7, 8));
        Assert.Empty(_sent);
        Assert.Equal(_time.GetUtcNow() + DeltaSequencer.GapWait, s.NextDeadline);

        _time.Advance(TimeSpan.FromMilliseconds(50));
        s.Deliver(Op, D(5, 6));
        Assert.Equal([5, 6, 7, 8], Everything);
        Assert.Empty(_readBacks);
        Assert.Null(s.NextDeadline);
    }

    [Fact]
    public void duplicates_and_numbers_already_sent_are_dropped()
    {
        var s = Sequencer();
        s.Deliver(Op, D(1, 2, 3));
        s.Deliver(Op, D(2, 3));
        s.Deliver(Op, D(4, 4));
        Assert.Equal([1, 2, 3, 4], Everything);
    }

    [Fact]
    public void a_gap_is_read_back_after_the_wait_and_what_comes_back_is_sent_in_order()
    {
        var s = Sequencer();
        s.Deliver(Op, D(1));
        s.Deliver(Op, D(4));
        s.Tick();
        Assert.Empty(_readBacks);                       // not yet: it may still arrive

        _time.Advance(DeltaSequencer.GapWait);
        s.Tick();
        var (from, upTo, done) = Assert.Single(_readBacks);
        Assert.Equal((2, 3), (from, upTo));
        s.Tick();
        Assert.Single(_readBacks);                      // one read-back per gap

        s.Deliver(Op, D(2, 3));                         // the read-back's deltas come through the same door
        done.SetResult();
        Assert.Equal([1, 2, 3, 4], Everything);
        _time.Advance(DeltaSequencer.GapWait * 3);
        s.Tick();
        Assert.Equal([1, 2, 3, 4], Everything);
        Assert.Single(_readBacks);
    }

    [Fact]
    public void a_gap_the_timeline_cannot_fill_is_skipped_after_the_read_back_so_displays_resync_on_it()
    {
        var s = Sequencer();
        s.Deliver(Op, D(1));
        s.Deliver(Op, D(3, 4));
        _time.Advance(DeltaSequencer.GapWait);
        s.Tick();
        var (_, _, done) = Assert.Single(_readBacks);

        // The read-back has its own wait: while it runs nothing is skipped.
        _time.Advance(DeltaSequencer.GapWait);
        s.Tick();
        Assert.Equal([1], Everything);

        done.SetResult();                               // it found nothing
        s.Tick();
        Assert.Equal([1, 3, 4], Everything);
        Assert.Null(s.NextDeadline);
    }

    [Fact]
    public void the_last_events_of_a_writer_that_died_are_read_back_once_the_timeline_says_it_holds_them()
    {
        var s = Sequencer();
        s.Deliver(Op, D(1, 2));
        s.Committed(Op, 2);                             // what was delivered: nothing to wait for
        Assert.Null(s.NextDeadline);

        // The timeline holds 3 and 4; their writer's publish never comes, and no later batch shows the gap.
        s.Committed(Op, 4);
        Assert.Equal(_time.GetUtcNow() + DeltaSequencer.HeadWait, s.NextDeadline);
        _time.Advance(DeltaSequencer.HeadWait - TimeSpan.FromMilliseconds(1));
        s.Tick();
        Assert.Empty(_readBacks);                       // a live writer publishes within milliseconds

        _time.Advance(TimeSpan.FromMilliseconds(1));
        s.Tick();
        var (from, upTo, done) = Assert.Single(_readBacks);
        Assert.Equal((3, 4), (from, upTo));
        s.Deliver(Op, D(3, 4));
        done.SetResult();
        Assert.Equal([1, 2, 3, 4], Everything);
        Assert.Null(s.NextDeadline);
    }

    [Fact]
    public void a_commit_notice_followed_by_its_batch_reads_nothing_back_and_one_that_cannot_be_read_is_let_go()
    {
        var s = Sequencer();
        s.Deliver(Op, D(1));
        s.Committed(Op, 3);                             // the notice may come before the writer's batch
        _time.Advance(TimeSpan.FromMilliseconds(100));
        s.Deliver(Op, D(2, 3));
        _time.Advance(DeltaSequencer.HeadWait * 2);
        s.Tick();
        Assert.Empty(_readBacks);
        Assert.Equal([1, 2, 3], Everything);

        s.Committed(Op, 5);
        _time.Advance(DeltaSequencer.HeadWait);
        s.Tick();
        var (_, _, done) = Assert.Single(_readBacks);
        done.SetResult();                               // the timeline could not be read: stop waiting for 4..5
        _time.Advance(DeltaSequencer.HeadWait);
        s.Tick();
        Assert.Null(s.NextDeadline);
        Assert.Single(_readBacks);
        s.Deliver(Op, D(6));                            // later batches: the gap shows, and is waited for as any gap
        Assert.Equal([1, 2, 3], Everything);
        Assert.NotNull(s.NextDeadline);
    }

    [Fact]
    public void a_batch_nobody_here_watched_moves_the_stream_on_and_never_back()
    {
        var s = Sequencer();
        s.Position(Op, 11, onlyIfUnknown: false);       // seq 1..10 committed while nobody here watched
        s.Position(Op, 6, onlyIfUnknown: false);        // a late notice of an earlier batch
        s.Position(Op, 9, onlyIfUnknown: true);         // a display joined with a snapshot at 8
        Assert.Equal(11, s.NextOf(Op));
        s.Deliver(Op, D(11));
        Assert.Equal([11], Everything);
    }

    [Fact]
    public void a_display_joining_first_starts_the_stream_after_its_snapshot()
    {
        var s = Sequencer();
        s.Position(Op, 21, onlyIfUnknown: true);
        s.Deliver(Op, D(20, 21, 22));
        Assert.Equal([21, 22], Everything);
    }

    [Fact]
    public void under_a_flush_interval_deltas_ready_within_it_travel_together()
    {
        var s = Sequencer(TimeSpan.FromMilliseconds(100));
        s.Deliver(Op, D(1));                            // nothing sent lately: at once
        s.Deliver(Op, D(2));
        s.Deliver(Op, D(3, 4));
        Assert.Equal([[1]], _sent);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMilliseconds(100), s.NextDeadline);

        _time.Advance(TimeSpan.FromMilliseconds(99));
        s.Tick();
        Assert.Single(_sent);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        s.Tick();
        Assert.Equal([[1], [2, 3, 4]], _sent);
        Assert.Null(s.NextDeadline);
    }

    [Fact]
    public void operations_are_ordered_independently()
    {
        var s = new DeltaSequencer(_time, (op, batch) => _sent.Add([.. batch.Select(d => d.Event.Seq * (op == Op ? 1 : -1))]), (_, _, _) => Task.CompletedTask);
        s.Deliver(Op, D(1));
        s.Deliver("other", [.. D(5).Select(d => d with { Event = d.Event with { OperationId = "other" } })]);
        s.Deliver(Op, D(3));                            // a gap in one operation holds up nothing of the other
        s.Deliver("other", [.. D(6).Select(d => d with { Event = d.Event with { OperationId = "other" } })]);
        Assert.Equal([1, -5, -6], Everything);
    }
}
