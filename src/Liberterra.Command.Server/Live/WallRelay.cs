using System.Threading.Channels;
using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Grains;
using Liberterra.Command.Server.Api;
using Liberterra.Command.Server.Hosting;
using Liberterra.Command.Storage;
using Microsoft.AspNetCore.SignalR;

namespace Liberterra.Command.Server.Live;

/// <summary>
/// This silo's end of the push pipeline: subscribed with the feed registry, it receives every committed batch from
/// any silo and hands it to <see cref="Displays"/>, which writes it to this silo's connections watching the operation
/// without waiting for any of them. Nothing here is awaited by a grain, and one slow display holds up nobody.
/// A batch that never arrives (its writer's silo died, or this silo was between two subscriptions) is read back
/// from the timeline, so displays see every sequence number even across a silo's failure.
/// </summary>
public sealed partial class WallRelay(IGrainFactory grains, Displays displays, Watchers watchers, TimeTravel timeTravel, LiberterraMetrics metrics, ILogger<WallRelay> logger)
    : BackgroundService, IOperationFeed
{
    // Short, because while silos join the registry grain can briefly exist twice (the grain directory converges
    // eventually): a subscription that landed on the twin that goes away is renewed within seconds.
    private static readonly TimeSpan Resubscribe = TimeSpan.FromSeconds(5);

    /// <summary>How long a missing sequence number is waited for before the later ones are sent anyway.</summary>
    public static readonly TimeSpan GapWait = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The shortest time between two messages to an operation's displays (<c>Live:FlushInterval</c>): deltas that
    /// become ready sooner wait for it and travel together. Zero sends each batch as it is ready.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.Zero;

    private readonly Dictionary<string, Ordering> _ordering = new(StringComparer.Ordinal);
    private readonly Channel<Outgoing> _outbox = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Deltas to send, or (with none) where the operation's stream stands: the next number to expect.</summary>
    private readonly record struct Outgoing(string Operation, OperationDelta[] Deltas, long Next, bool OnlyIfUnknown);
    private IOperationFeed? _reference;
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once this silo receives the feed: a display that joins before then could miss deltas.</summary>
    public Task Ready => _subscribed.Task;

    public Task OnCommitted(string operationId, CommittedEvent[] events)
    {
        // Nobody on this silo watches it: nothing to build (a display that joins later starts from a snapshot), but
        // the sender learns where the stream stands, so that it never mistakes an early later batch for the first.
        _outbox.Writer.TryWrite(watchers.AnyFor(operationId)
            ? new Outgoing(operationId, [.. events.Select(ToDelta)], 0, false)
            : new Outgoing(operationId, [], events.Max(e => e.Event.Seq) + 1, false));
        return Task.CompletedTask;
    }

    /// <summary>A display joined with a snapshot up to <paramref name="snapshotSeq"/>: what to send starts after it.</summary>
    public void Joined(string operationId, long snapshotSeq) =>
        _outbox.Writer.TryWrite(new Outgoing(operationId, [], snapshotSeq + 1, OnlyIfUnknown: true));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _reference = grains.CreateObjectReference<IOperationFeed>(this);
        var sending = Send(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await grains.GetGrain<IFeedRegistryGrain>(0).Subscribe(_reference);
                _subscribed.TrySetResult();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogSubscribeFailed(ex);
            }

            try
            {
                await Task.Delay(Ready.IsCompleted ? Resubscribe : TimeSpan.FromMilliseconds(250), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        try
        {
            await grains.GetGrain<IFeedRegistryGrain>(0).Unsubscribe(_reference);
        }
        catch (Exception ex)
        {
            LogSubscribeFailed(ex);
        }

        _outbox.Writer.TryComplete();
        await sending;
    }

    // Batches can reach this silo out of order (Orleans does not order one-way messages), so they are released in
    // sequence order. A number that has not come after GapWait (a crashed writer's lost batch) is read back from the
    // timeline; only if that fails too are the later ones sent anyway, and the displays resync on the gap.
    private async Task Send(CancellationToken stoppingToken)
    {
        while (true)
        {
            var input = _outbox.Reader.WaitToReadAsync(CancellationToken.None).AsTask();
            if (NextDeadline() is { } deadline)
            {
                // At least a millisecond: a read-back still running keeps its gap's deadline in the past.
                var wait = TimeSpan.FromTicks(Math.Max((deadline - DateTime.UtcNow).Ticks, TimeSpan.TicksPerMillisecond));
                if (!input.IsCompleted && await Task.WhenAny(input, Task.Delay(wait, CancellationToken.None)) != input)
                {
                    ReleaseOverdue();
                    FlushDue();
                    continue;
                }
            }

            if (!await input) break;
            while (_outbox.Reader.TryRead(out var item))
            {
                if (item.Deltas.Length == 0)
                {
                    // Where the stream stands: never backwards (notices can arrive out of order too).
                    var known = _ordering.TryGetValue(item.Operation, out var current);
                    if (!known || (!item.OnlyIfUnknown && item.Next > current!.Next))
                    {
                        if (known) Flush(item.Operation, current!);
                        _ordering[item.Operation] = new Ordering(item.Next);
                    }
                    continue;
                }

                var ordering = _ordering.TryGetValue(item.Operation, out var existing)
                    ? existing
                    : _ordering[item.Operation] = new Ordering(item.Deltas.Min(d => d.Seq));
                Release(item.Operation, ordering, ordering.Accept(item.Deltas));
            }

            // Under steady load the timeout above never wins: overdue gaps and due batches are handled here too.
            ReleaseOverdue();
            FlushDue();
        }

        foreach (var (operation, ordering) in _ordering) Flush(operation, ordering);
    }

    // The earliest moment something must happen without new input: a gap waited for long enough, or a batch due.
    private DateTime? NextDeadline()
    {
        DateTime? next = null;
        foreach (var ordering in _ordering.Values)
        {
            if (ordering.Held.Count > 0 && Earlier(ordering.HeldSince + GapWait)) next = ordering.HeldSince + GapWait;
            if (ordering.Unsent.Count > 0 && Earlier(ordering.LastSent + FlushInterval)) next = ordering.LastSent + FlushInterval;
        }

        return next;
        bool Earlier(DateTime t) => next is null || t < next;
    }

    private void ReleaseOverdue()
    {
        foreach (var (operation, ordering) in _ordering)
        {
            if (ordering.Held.Count == 0 || DateTime.UtcNow - ordering.HeldSince < GapWait) continue;
            if (ordering.Filling is null)
            {
                ordering.Filling = FillAsync(operation, ordering.Next, ordering.Held.Keys.First() - 1);
                ordering.Waited();
            }
            else if (ordering.Filling.IsCompleted)
            {
                // Read back and still missing (or the timeline could not be read): send on, the displays resync.
                ordering.Filling = null;
                Release(operation, ordering, ordering.SkipGap());
            }
        }
    }

    /// <summary>Reads the missing events back from the timeline and queues them as deltas, like any batch.</summary>
    private async Task FillAsync(string operation, long from, long upTo)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var state = await timeTravel.AtSeqAsync(operation, from - 1, timeout.Token);
            var deltas = new List<OperationDelta>();
            await foreach (var e in timeTravel.Timeline.ReadRangeAsync(operation, from - 1, upTo, timeout.Token))
            {
                state = OperationReducer.Apply(state, e);
                deltas.Add(Fold(state, e));
            }

            LogGapFilled(operation, from, upTo, deltas.Count);
            if (deltas.Count > 0) _outbox.Writer.TryWrite(new Outgoing(operation, [.. deltas], 0, false));
        }
        catch (Exception ex)
        {
            LogGapNotFilled(ex, operation, from, upTo);
        }
    }

    /// <summary>The delta for event <paramref name="e"/>, given the state just after it.</summary>
    internal static OperationDelta Fold(OperationState state, TimelineEvent e)
    {
        var team = e.TeamId is { } id ? state.Teams.GetValueOrDefault(id) : null;
        var region = team is null ? null : state.Regions.GetValueOrDefault(team.Definition.RegionId);
        return ToDelta(new CommittedEvent(e, team, region, state.Totals, state.TeamsActive, state.TeamsCompleted, state.TeamsOverdue));
    }

    // Deltas ready in sequence order go out at once if nothing went to this operation's displays in the last
    // FlushInterval, else together when it has passed: at a few reports a second each one travels alone, under load
    // every display gets one message per interval instead of one per report (each costs a frame, a write and a parse).
    private void Release(string operation, Ordering ordering, OperationDelta[] ready)
    {
        if (ready.Length == 0) return;
        ordering.Unsent.AddRange(ready);
        if (DateTime.UtcNow - ordering.LastSent >= FlushInterval) Flush(operation, ordering);
    }

    private void FlushDue()
    {
        var now = DateTime.UtcNow;
        foreach (var (operation, ordering) in _ordering)
            if (ordering.Unsent.Count > 0 && now - ordering.LastSent >= FlushInterval) Flush(operation, ordering);
    }

    private void Flush(string operation, Ordering ordering)
    {
        if (ordering.Unsent.Count == 0) return;
        OperationDelta[] batch = [.. ordering.Unsent];
        ordering.Unsent.Clear();
        ordering.LastSent = DateTime.UtcNow;
        try
        {
            displays.Send(operation, HubMessages.Deltas, batch);
            metrics.Pushed(operation, batch);
        }
        catch (Exception ex)
        {
            LogSendFailed(ex, operation);
        }
    }

    /// <summary>One operation's deltas on their way out: the next number to send and those that arrived early.</summary>
    private sealed class Ordering(long next)
    {
        public long Next { get; private set; } = next;
        public SortedDictionary<long, OperationDelta> Held { get; } = [];

        /// <summary>Released in order but not yet sent: they go together once FlushInterval has passed.</summary>
        public List<OperationDelta> Unsent { get; } = [];

        public DateTime LastSent { get; set; }
        public DateTime HeldSince { get; private set; }

        /// <summary>The read-back of the missing events, while one runs (or has run for this gap).</summary>
        public Task? Filling { get; set; }

        /// <summary>Starts the wait for the gap again (the read-back gets its own <see cref="GapWait"/>).</summary>
        public void Waited() => HeldSince = DateTime.UtcNow;

        public OperationDelta[] Accept(IEnumerable<OperationDelta> deltas)
        {
            foreach (var d in deltas.Where(d => d.Seq >= Next)) Held[d.Seq] = d;
            return TakeReady();
        }

        public OperationDelta[] SkipGap()
        {
            Next = Held.Keys.First();
            return TakeReady();
        }

        private OperationDelta[] TakeReady()
        {
            var ready = new List<OperationDelta>();
            while (Held.Remove(Next, out var d))
            {
                ready.Add(d);
                Next++;
            }

            if (ready.Count > 0) Filling = null;

            if (Held.Count > 0 && ready.Count > 0) HeldSince = DateTime.UtcNow;
            else if (Held.Count > 0 && HeldSince == default) HeldSince = DateTime.UtcNow;
            if (Held.Count == 0) HeldSince = default;
            return [.. ready];
        }
    }

    internal static OperationDelta ToDelta(CommittedEvent c)
    {
        var e = c.Event;
        var report = e.IsTeamReport() ? e.ToAck() : null;
        return new OperationDelta(e.Seq, e.OperationId, e.Kind, e.ServerTime, e.TeamId, report, c.Team?.ToView(),
            c.Region?.ToChange(), c.Totals.ToView(), c.TeamsActive, c.TeamsCompleted, c.TeamsOverdue);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The wall relay could not subscribe to the feed registry; retrying")]
    private partial void LogSubscribeFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Operation {OperationId}: deltas {From}-{UpTo} never arrived; {Count} read back from the timeline")]
    private partial void LogGapFilled(string operationId, long from, long upTo, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId}: deltas {From}-{UpTo} never arrived and could not be read back; displays will resync")]
    private partial void LogGapNotFilled(Exception ex, string operationId, long from, long upTo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deltas for operation {OperationId} could not be sent")]
    private partial void LogSendFailed(Exception ex, string operationId);
}
