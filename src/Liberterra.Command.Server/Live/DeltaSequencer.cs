using Liberterra.Command.Contracts;

namespace Liberterra.Command.Server.Live;

/// <summary>
/// Puts each operation's deltas in sequence order for this silo's displays. Batches reach a silo out of order
/// (Orleans does not order one-way messages), so they are held until the numbers before them are in. A number that has
/// not come after <see cref="GapWait"/> (its writer's silo died with it, or this silo was not known to the writer yet)
/// is read back from the timeline; only if that fails too are the later ones released anyway, and the displays resync
/// on the gap. Released deltas go out at once if nothing went to the operation's displays within
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
public sealed class DeltaSequencer(TimeProvider time, Action<string, OperationDelta[]> send, Func<string, long, long, Task> readBack)
{
    /// <summary>How long a missing sequence number is waited for before it is read back from the timeline.</summary>
    public static readonly TimeSpan GapWait = TimeSpan.FromMilliseconds(200);

    /// <summary>The shortest time between two messages to an operation's displays; zero sends each batch as it is ready.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.Zero;

    private readonly Dictionary<string, Stream> _streams = new(StringComparer.Ordinal);

    /// <summary>Deltas arrived (from a writer, or read back).</summary>
    public void Deliver(string operationId, OperationDelta[] deltas)
    {
        if (deltas.Length == 0) return;
        var stream = _streams.TryGetValue(operationId, out var existing)
            ? existing
            : _streams[operationId] = new Stream(deltas.Min(d => d.Seq));
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

    /// <summary>The earliest moment <see cref="Tick"/> must run without new input: a gap waited for, or a batch due.</summary>
    public DateTimeOffset? NextDeadline
    {
        get
        {
            DateTimeOffset? next = null;
            foreach (var s in _streams.Values)
            {
                if (s.Held.Count > 0) Earliest(s.HeldSince + GapWait);
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

    private void Release(string operation, Stream s, List<OperationDelta> ready)
    {
        if (ready.Count == 0) return;
        s.Unsent.AddRange(ready);
        if (Now - s.LastSent >= FlushInterval) Flush(operation, s);
    }

    private void Flush(string operation, Stream s)
    {
        if (s.Unsent.Count == 0) return;
        OperationDelta[] batch = [.. s.Unsent];
        s.Unsent.Clear();
        s.LastSent = Now;
        send(operation, batch);
    }

    /// <summary>One operation's deltas on their way out: the next number to send and those that arrived early.</summary>
    private sealed class Stream(long next)
    {
        public long Next { get; private set; } = next;
        public SortedDictionary<long, OperationDelta> Held { get; } = [];

        /// <summary>Released in order but not yet sent: they go together once FlushInterval has passed.</summary>
        public List<OperationDelta> Unsent { get; } = [];

        public DateTimeOffset LastSent { get; set; } = DateTimeOffset.MinValue;
        public DateTimeOffset HeldSince { get; private set; }

        /// <summary>The read-back of the missing events, while one runs (or has run for this gap).</summary>
        public Task? Filling { get; set; }

        /// <summary>Starts the wait for the gap again (the read-back gets its own <see cref="GapWait"/>).</summary>
        public void Waited(DateTimeOffset now) => HeldSince = now;

        public List<OperationDelta> Accept(IEnumerable<OperationDelta> deltas, DateTimeOffset now)
        {
            var before = Held.Count;
            foreach (var d in deltas.Where(d => d.Seq >= Next)) Held[d.Seq] = d;
            if (before == 0 && Held.Count > 0) HeldSince = now;
            return TakeReady(now);
        }

        public List<OperationDelta> SkipGap(DateTimeOffset now)
        {
            Next = Held.Keys.First();
            return TakeReady(now);
        }

        private List<OperationDelta> TakeReady(DateTimeOffset now)
        {
            var ready = new List<OperationDelta>();
            while (Held.Remove(Next, out var d))
            {
                ready.Add(d);
                Next++;
            }

            if (ready.Count > 0)
            {
                Filling = null;
                // What is still held now waits for a new gap, from now.
                if (Held.Count > 0) HeldSince = now;
            }

            return ready;
        }
    }
}
