using System.Threading.Channels;
using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Grains;
using Liberterra.Command.Server.Observability;
using Liberterra.Command.Server.Views;
using Liberterra.Command.Storage;

namespace Liberterra.Command.Server.Live;

/// <summary>
/// This silo's end of the push path. The <see cref="FeedDirectory"/> hands it every committed batch from any silo; it
/// keeps the batch (only for operations someone on this silo watches), the <see cref="DeltaSequencer"/> puts them in
/// sequence order and reads back what never arrived, and at send each view's deltas are mapped once (<see cref="Viewpoints"/>:
/// need-to-know per agency) and <see cref="Displays"/> writes them to that view's watchers.
/// Nothing here is awaited by a grain, and one slow display holds up nobody. Everything after the hand-over runs on one
/// loop, so the sequencer needs no lock.
/// </summary>
public sealed partial class WallRelay : BackgroundService, ICommittedEventSink
{
    private readonly FeedDirectory _feed;
    private readonly Displays _displays;
    private readonly FieldDisplays _field;
    private readonly Watchers _watchers;
    private readonly Viewpoints _viewpoints;
    private readonly IBatchListener[] _listeners;
    private readonly TimeTravel _timeTravel;
    private readonly LiberterraMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<WallRelay> _logger;
    private readonly DeltaSequencer _sequencer;
    private readonly Channel<Incoming> _inbox = Channel.CreateUnbounded<Incoming>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>
    /// Committed events that arrived; or (with none) where the operation's stream stands, the next number to expect; or
    /// (with <paramref name="Head"/>) the last number the timeline holds.
    /// </summary>
    private readonly record struct Incoming(string Operation, CommittedEvent[] Events, long Next, bool OnlyIfUnknown, long Head = 0);

    public WallRelay(FeedDirectory feed, Displays displays, FieldDisplays field, Watchers watchers, Viewpoints viewpoints, TimeTravel timeTravel,
        LiberterraMetrics metrics, TimeProvider time, ILogger<WallRelay> logger, IEnumerable<IBatchListener> listeners, TimeSpan flushInterval)
    {
        _listeners = [.. listeners];
        (_feed, _displays, _field, _watchers, _viewpoints, _timeTravel, _metrics, _time, _logger) = (feed, displays, field, watchers, viewpoints, timeTravel, metrics, time, logger);
        _sequencer = new DeltaSequencer(time, Send, ReadBack) { FlushInterval = flushInterval };
        feed.Attach(this);
    }

    /// <summary>Completes once every commit reaches this silo: a display that joins before then could miss deltas.</summary>
    public Task Ready => _feed.Ready;

    // Called on the committing grain's turn (in-process on the writer's silo): only a hand-over, all work is on the loop.
    public void OnCommitted(string operationId, CommittedEvent[] events) =>
        _inbox.Writer.TryWrite(new Incoming(operationId, events, 0, false));

    /// <summary>A display joined with a snapshot up to <paramref name="snapshotSeq"/>: what to send starts after it.</summary>
    public void Joined(string operationId, long snapshotSeq) =>
        _inbox.Writer.TryWrite(new Incoming(operationId, [], snapshotSeq + 1, OnlyIfUnknown: true));

    /// <summary>
    /// The timeline of <paramref name="operationId"/> now ends at <paramref name="lastSeq"/>, whoever committed it (from
    /// <see cref="TimelineNotices"/>): what its writer does not deliver soon is read back.
    /// </summary>
    public void Committed(string operationId, long lastSeq) =>
        _inbox.Writer.TryWrite(new Incoming(operationId, [], 0, false, lastSeq));

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _inbox.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _inbox.Reader;
        while (true)
        {
            var input = reader.WaitToReadAsync(CancellationToken.None).AsTask();
            if (_sequencer.NextDeadline is { } deadline && !input.IsCompleted)
            {
                // At least a millisecond: a read-back still running keeps its gap's deadline in the past.
                var wait = TimeSpan.FromTicks(Math.Max((deadline - _time.GetUtcNow()).Ticks, TimeSpan.TicksPerMillisecond));
                using var timer = new CancellationTokenSource();
                var delay = Task.Delay(wait, _time, timer.Token);
                if (await Task.WhenAny(input, delay) != input)
                {
                    _sequencer.Tick();
                    continue;
                }

                await timer.CancelAsync();
            }

            if (!await input) break;
            while (reader.TryRead(out var item))
            {
                if (item.Head > 0)
                {
                    if (_watchers.AnyFor(item.Operation)) _sequencer.Committed(item.Operation, item.Head);
                }
                else if (item.Events.Length == 0) _sequencer.Position(item.Operation, item.Next, item.OnlyIfUnknown);
                // Nobody on this silo watches it: nothing to build (a display that joins later starts from a snapshot),
                // but the sequencer learns where the stream stands, so it never mistakes an early later batch for the first.
                else if (!_watchers.AnyFor(item.Operation)) _sequencer.Position(item.Operation, item.Events.Max(e => e.Event.Seq) + 1, false);
                else
                {
                    // A new definition may change who sees what: the views learn it before its deltas go out.
                    foreach (var c in item.Events)
                        if (c.Event.Payload is OperationDefined { Definition: var definition })
                            _viewpoints.Update(item.Operation, c.Event.Seq, AgencyRules.Of(definition));
                    _sequencer.Deliver(item.Operation, item.Events);
                }
            }

            // Under steady load the wait above never ends by itself: overdue gaps and due batches are handled here too.
            _sequencer.Tick();
        }

        _sequencer.FlushAll();
    }

    /// <summary>
    /// Maps a batch to deltas once per view that watches (the whole operation's, and each agency's that has a display
    /// here) and hands each to its displays, serialized once.
    /// </summary>
    private void Send(string operation, CommittedEvent[] batch)
    {
        try
        {
            OperationDelta[] whole = [.. batch.Select(c => c.ToDelta())];
            _displays.Send(operation, HubMessages.Deltas, view =>
            {
                if (view.Length == 0) return whole;
                var viewpoint = _viewpoints.For(operation, view);
                return batch.Select(c => c.ToDelta(viewpoint)).ToArray();
            });
            _field.Send(operation, whole);
            foreach (var listener in _listeners) listener.Send(operation, batch);
            _metrics.Pushed(operation, whole);
        }
        catch (Exception ex)
        {
            LogSendFailed(ex, operation);
        }
    }

    /// <summary>Reads the missing events back from the timeline and queues them as deltas, like any batch.</summary>
    private async Task ReadBack(string operation, long from, long upTo)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var state = await _timeTravel.AtSeqAsync(operation, from - 1, timeout.Token);
            var events = new List<TimelineEvent>();
            await foreach (var e in _timeTravel.Timeline.ReadRangeAsync(operation, from - 1, upTo, timeout.Token)) events.Add(e);
            CommittedEvent[] found = [.. CommittedEvent.Replay(state, events)];
            LogGapFilled(operation, from, upTo, found.Length);
            if (found.Length > 0) _inbox.Writer.TryWrite(new Incoming(operation, found, 0, false));
        }
        catch (Exception ex)
        {
            LogGapNotFilled(ex, operation, from, upTo);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Operation {OperationId}: deltas {From}-{UpTo} never arrived; {Count} read back from the timeline")]
    private partial void LogGapFilled(string operationId, long from, long upTo, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId}: deltas {From}-{UpTo} never arrived and could not be read back; displays will resync")]
    private partial void LogGapNotFilled(Exception ex, string operationId, long from, long upTo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deltas for operation {OperationId} could not be sent")]
    private partial void LogSendFailed(Exception ex, string operationId);
}

/// <summary>
/// Another kind of display the relay feeds (the TAK devices' endpoint): it gets each operation's committed batch, in
/// order, on the relay's loop, and must not wait.
/// </summary>
public interface IBatchListener
{
    void Send(string operationId, CommittedEvent[] batch);
}
