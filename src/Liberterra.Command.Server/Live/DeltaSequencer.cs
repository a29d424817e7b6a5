using Liberterra.Command.Domain;

namespace Liberterra.Command.Server.Live;

/// <summary>
/// Puts each operation's deltas in sequence order for this silo's displays. Batches reach a silo out of order
/// (Orleans does not order one-way messages), so they are held until the numbers before them are in. A number that has
/// not come after <see cref="GapWait"/> (its writer's silo died with it, or this silo was not known to the writer yet)
/// is read back from the timeline; only if that fails too are the later ones released anyway, and the displays resync
/// on the gap. Numbers no later batch shows missing (the last ones a dying writer committed) are read back when the
/// timeline's own notice of the commit (<see cref="Committed"/>) is not followed by them within <see cref="HeadWait"/>. Released deltas go out at once if nothing went to the operation's displays within
/// <see cref="FlushInterval"/>, else together when it has passed.
/// </summary>
/// <remarks>
/// Not thread-safe and never blocking: one loop (<see cref="WallRelay"/>) calls it, and asks
/// <see cref="NextDeadline"/> when to call <see cref="Tick"/> with no new input. Time comes from the
/// <see cref="TimeProvider"/>, so the ordering is tested without a server or a real clock.
/// </remarks>
/// <param name="time">The clock the waits are measured on.</param>
/// <param name="send">Writes released deltas to the operation's displays.</param>
/// <param name="readBack">
/// Reads deltas <c>from..upTo</c> of an operation back from the timeline and hands them to <see cref="Deliver"/>
/// (through the loop) before its task completes.
/// </param>
public sealed class DeltaSequencer(TimeProvider time, Action<string, CommittedEvent[]> send, Func<string, long, long, Task> readBack)
{
    /// <summary>How long a missing sequence number is waited for before it is read back from the timeline.</summary>
    public static readonly TimeSpan GapWait = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long events the timeline says it holds (<see cref="Committed"/>) are waited for from their writer before they
    /// are read back: a writer that is alive publishes within milliseconds of its commit.
    /// </summary>
    public static readonly TimeSpan HeadWait = TimeSpan.FromMilliseconds(400);

    /// <summary>The shortest time between two messages to an operation's displays; zero sends each batch as it is ready.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.Zero;

    private readonly Dictionary<string, Stream> _streams = new(StringComparer.Ordinal);

    /// <summary>Deltas arrived (from a writer, or read back).</summary>
    public void Deliver(string operationId, CommittedEvent[] deltas)
    {
        if (deltas.Length == 0) return;
        var stream = _streams.TryGetValue(operationId, out var existing)
            ? existing
            : _streams[operationId] = new Stream(deltas.Min(d => d.Event.Seq));
        Release(operationId, stream, stream.Accept(deltas, Now));
    }

    /// <summary>
    /// Where an operation's stream stands: <paramref name="next"/> is the next number to expect. From a writer (batches
    /// nobody here watched) it moves the stream forward, never back; from a display that joined with a snapshot
    /// (<paramref name="onlyIfUnknown"/>) it only starts a stream not known yet, so an early later batch is never taken
    /// for the first.
    /// </summary>
    public void Position(string operationId, long next, bool onlyIfUnknown)
    {
        var known = _streams.TryGetValue(operationId, out var current);
        if (known && (onlyIfUnknown || next <= current!.Next)) return;
        if (known) Flush(operationId, current!);
        _streams[operationId] = new Stream(next);
    }

    /// <summary>
    /// The timeline holds the operation's events up to <paramref name="lastSeq"/> (PostgreSQL says so at each commit,
    /// whoever wrote it). Those not delivered within <see cref="HeadWait"/> are read back: their writer's silo died
    /// between its commit and its publish, and no later batch may come soon to show the gap. Only for a stream known
    /// here (someone on this silo watches the operation).
    /// </summary>
    public void Committed(string operationId, long lastSeq)
    {
        if (_streams.TryGetValue(operationId, out var s)) s.Known(lastSeq, Now);
    }

    /// <summary>The earliest moment <see cref="Tick"/> must run without new input: a gap waited for, or a batch due.</summary>
    public DateTimeOffset? NextDeadline
    {
        get
        {
            DateTimeOffset? next = null;
            foreach (var s in _streams.Values)
            {
                if (s.Held.Count > 0) Earliest(s.HeldSince + GapWait);
                else if (s.Behind) Earliest(s.BehindSince + HeadWait);
                if (s.Unsent.Count > 0) Earliest(s.LastSent + FlushInterval);
            }

            return next;
            void Earliest(DateTimeOffset t)
            {
                if (next is null || t < next) next = t;
            }
        }
    }

    /// <summary>Reads back gaps waited for long enough, releases past those that could not be, sends batches due.</summary>
    public void Tick()
    {
        var now = Now;
        foreach (var (operation, s) in _streams)
        {
            if (s.Held.Count > 0 && now - s.HeldSince >= GapWait)
            {
                if (s.Filling is null)
                {
                    s.Filling = readBack(operation, s.Next, s.Held.Keys.First() - 1);
                    s.Waited(now);
                }
                else if (s.Filling.IsCompleted)
                {
                    // Read back and still missing (or the timeline could not be read): send on, the displays resync.
                    s.Filling = null;
                    Release(operation, s, s.SkipGap(now));
                }
            }

            else if (s.Held.Count == 0 && s.Behind && now - s.BehindSince >= HeadWait)
            {
                if (s.Filling is null)
                {
                    s.Filling = readBack(operation, s.Next, s.Head);
                    s.BehindSince = now;
                }
                else if (s.Filling.IsCompleted)
                {
                    // Read back and still not there (or the timeline could not be read): stop waiting for these; later
                    // batches carry on, and a display that sees the gap resyncs.
                    s.Filling = null;
                    s.GiveUpHead();
                }
            }

            if (s.Unsent.Count > 0 && now - s.LastSent >= FlushInterval) Flush(operation, s);
        }
    }

    /// <summary>Sends everything released and not sent yet (the relay is stopping).</summary>
    public void FlushAll()
    {
        foreach (var (operation, s) in _streams) Flush(operation, s);
    }

    /// <summary>The next number expected for the operation (null: no stream yet).</summary>
    public long? NextOf(string operationId) => _streams.TryGetValue(operationId, out var s) ? s.Next : null;

    private DateTimeOffset Now => time.GetUtcNow();

    private void Release(string operation, Stream s, List<CommittedEvent> ready)
    {
        if (ready.Count == 0) return;
        s.Unsent.AddRange(ready);
        if (Now - s.LastSent >= FlushInterval) Flush(operation, s);
    }

    private void Flush(string operation, Stream s)
    {
        if (s.Unsent.Count == 0) return;
        CommittedEvent[] batch = [.. s.Unsent];
        s.Unsent.Clear();
        s.LastSent = Now;
        send(operation, batch);
    }

    /// <summary>One operation's deltas on their way out: the next number to send and those that arrived early.</summary>
    private sealed class Stream(long next)
    {
        public long Next { get; private set; } = next;
        public SortedDictionary<long, CommittedEvent> Held { get; } = [];

        /// <summary>Released in order but not yet sent: they go together once FlushInterval has passed.</summary>
        public List<CommittedEvent> Unsent { get; } = [];

        public DateTimeOffset LastSent { get; set; } = DateTimeOffset.MinValue;
        public DateTimeOffset HeldSince { get; private set; }

        /// <summary>The read-back of the missing events, while one runs (or has run for this gap).</summary>
        public Task? Filling { get; set; }

        /// <summary>The last number the timeline is known to hold (see <see cref="DeltaSequencer.Committed"/>).</summary>
        public long Head { get; private set; }

        /// <summary>Since when the timeline has held events not delivered here (while <see cref="Behind"/>).</summary>
        public DateTimeOffset BehindSince { get; set; }

        /// <summary>The timeline holds events past those delivered, and none later arrived to show the gap.</summary>
        public bool Behind => Head >= Next;

        public void Known(long lastSeq, DateTimeOffset now)
        {
            if (lastSeq <= Head) return;
            if (!Behind) BehindSince = now;
            Head = lastSeq;
        }

        public void GiveUpHead() => Head = Next - 1;

        /// <summary>Starts the wait for the gap again (the read-back gets its own <see cref="GapWait"/>).</summary>
        public void Waited(DateTimeOffset now) => HeldSince = now;

        public List<CommittedEvent> Accept(IEnumerable<CommittedEvent> deltas, DateTimeOffset now)
        {
            var before = Held.Count;
            foreach (var d in deltas.Where(d => d.Event.Seq >= Next)) Held[d.Event.Seq] = d;
            if (before == 0 && Held.Count > 0) HeldSince = now;
            return TakeReady(now);
        }

        public List<CommittedEvent> SkipGap(DateTimeOffset now)
        {
            Next = Held.Keys.First();
            return TakeReady(now);
        }

        private List<CommittedEvent> TakeReady(DateTimeOffset now)
        {
            var ready = new List<CommittedEvent>();
            while (Held.Remove(Next, out var d))
            {
                ready.Add(d);
                Next++;
            }

            if (ready.Count > 0)
            {
                Filling = null;
                // What is still held now waits for a new gap, from now; so do events the timeline holds beyond these.
                if (Held.Count > 0) HeldSince = now;
                BehindSince = now;
            }

            return ready;
        }
    }
}
