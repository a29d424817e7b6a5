using System.Collections.Concurrent;
using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Server.Views;
using Liberterra.Command.Storage;
using Microsoft.AspNetCore.SignalR;

namespace Liberterra.Command.Server.Live;

/// <summary>The replays running on this silo, by connection.</summary>
public sealed partial class Replays(ITimelineReader timeline, TimeTravel travel, IHubContext<ReplayHub> hub, ILogger<Replays> logger)
{
    public const double MinSpeed = 1;
    public const double MaxSpeed = 3600;
    public const int MaxPerConnection = 4;

    private readonly ConcurrentDictionary<string, ReplaySession> _sessions = new(StringComparer.Ordinal);

    private ITimelineReader Timeline => timeline;
    private TimeTravel Travel => travel;
    private IHubContext<ReplayHub> Hub => hub;

    public int Count => _sessions.Count;

    public async Task<ReplayStarted> StartAsync(string connectionId, ReplayRequest request, string? agency = null)
    {
        if (!double.IsFinite(request.Speed) || request.Speed is < MinSpeed or > MaxSpeed)
            throw new HubException($"speed: must be from {MinSpeed} to {MaxSpeed}.");
        if (request.From is { } f && request.To is { } t && t <= f) throw new HubException("to: must be after from.");
        if (_sessions.Values.Count(s => s.ConnectionId == connectionId) >= MaxPerConnection)
            throw new HubException($"At most {MaxPerConnection} replays per connection: stop one first.");

        var head = await timeline.SeqAtAsync(request.OperationId, DateTimeOffset.MaxValue);
        if (head == 0) throw new HubException($"No operation '{request.OperationId}'.");
        // The replay starts just before its first event, or after the definition when it starts at the beginning.
        var before = request.From is { } from && from > DateTimeOffset.MinValue ? await timeline.SeqAtAsync(request.OperationId, from.AddTicks(-1)) : 0;
        var last = request.To is { } to ? await timeline.SeqAtAsync(request.OperationId, to) : head;
        var startSeq = Math.Max(1, before);
        if (last <= startSeq) throw new HubException("No events in that part of the timeline.");
        var state = (await travel.AtSeqAsync(request.OperationId, startSeq))!;
        var first = await timeline.ReadEventAsync(request.OperationId, startSeq + 1);
        var end = await timeline.ReadEventAsync(request.OperationId, last);

        var session = new ReplaySession(this, connectionId, request.OperationId, startSeq, last, request.Speed, state, first!.ServerTime, request.Paused, agency);
        _sessions[session.Id] = session;
        session.Start();
        LogStarted(session.Id, request.OperationId, startSeq + 1, last, request.Speed);
        return new ReplayStarted(session.Id, request.OperationId, startSeq + 1, last, first.ServerTime, end!.ServerTime, request.Speed, state.ToView(Viewpoint.Of(state, agency)));
    }

    public async Task<ReplayStatus> ControlAsync(string connectionId, ReplayControl control)
    {
        if (!_sessions.TryGetValue(control.ReplayId, out var session) || session.ConnectionId != connectionId)
            throw new HubException("No such replay on this connection.");
        switch (control.Action)
        {
            case "pause": return session.Pause();
            case "resume": return session.Resume();
            case "speed":
                if (control.Speed is not { } speed || !double.IsFinite(speed) || speed is < MinSpeed or > MaxSpeed)
                    throw new HubException($"speed: must be from {MinSpeed} to {MaxSpeed}.");
                return session.SetSpeed(speed);
            case "seek":
                var target = control.Seq ?? (control.At is { } at ? await timeline.SeqAtAsync(session.OperationId, at) : (long?)null);
                if (target is null) throw new HubException("seek: give seq or at.");
                return await session.SeekAsync(Math.Clamp(target.Value, session.FirstSeq - 1, session.LastSeq));
            case "step":
                return control.Seq is -1 ? await session.SeekAsync(Math.Max(session.FirstSeq - 1, session.Cursor - 1), pause: true) : await session.StepAsync();
            case "stop":
                var status = session.Pause();
                End(session);
                return status with { State = "stopped" };
            default:
                throw new HubException("action: one of pause, resume, speed, seek, step, stop.");
        }
    }

    public void EndAll(string connectionId)
    {
        foreach (var s in _sessions.Values.Where(s => s.ConnectionId == connectionId)) End(s);
    }

    private void End(ReplaySession session)
    {
        if (_sessions.TryRemove(session.Id, out _)) session.Dispose();
    }

    /// <summary>One replay: its own state, cursor, clock and speed; a loop that sends events when they are due.</summary>
    private sealed class ReplaySession(Replays owner, string connectionId, string operationId, long startSeq, long lastSeq, double speed,
        OperationState state, DateTimeOffset clock, bool paused, string? agency) : IDisposable
    {
        private const int BatchMax = 200;
        private const int ReadChunk = 5000;   // events read ahead per query: fewer round trips, a few MB at most
        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly CancellationTokenSource _stop = new();
        private CancellationTokenSource _wake = new();
        private readonly Queue<TimelineEvent> _buffer = new();
        private OperationState _state = state;
        private DateTimeOffset _clock = clock;                 // replay time: the server time being shown
        private DateTimeOffset _clockSetAt = DateTimeOffset.UtcNow;
        private double _speed = speed;
        private bool _paused = paused;

        public string Id { get; } = Guid.NewGuid().ToString("N")[..12];
        public string ConnectionId => connectionId;
        public string OperationId => operationId;
        public long FirstSeq => startSeq + 1;
        public long LastSeq => lastSeq;
        public long Cursor => _state.LastSeq;

        private IClientProxy Client => owner.Hub.Clients.Client(connectionId);

        public void Start() => _ = Task.Run(Loop);

        private ReplayStatus Status() => new(Id, Cursor >= lastSeq ? "ended" : _paused ? "paused" : "playing", _speed, Cursor, Now());

        // Replay time advances with wall time × speed while playing.
        private DateTimeOffset Now() => _paused ? _clock : _clock + (DateTimeOffset.UtcNow - _clockSetAt) * _speed;

        private void SetClock(DateTimeOffset t)
        {
            _clock = t;
            _clockSetAt = DateTimeOffset.UtcNow;
        }

        private void Wake()
        {
            var old = Interlocked.Exchange(ref _wake, new CancellationTokenSource());
            old.Cancel();
        }

        public ReplayStatus Pause() => Locked(() =>
        {
            SetClock(Now());
            _paused = true;
            return Status();
        });

        public ReplayStatus Resume() => Locked(() =>
        {
            SetClock(Now());
            _paused = false;
            return Status();
        });

        public ReplayStatus SetSpeed(double speed) => Locked(() =>
        {
            SetClock(Now());
            _speed = speed;
            return Status();
        });

        private ReplayStatus Locked(Func<ReplayStatus> change)
        {
            _gate.Wait();
            try
            {
                var status = change();
                Wake();
                _ = Client.SendAsync(ReplayMessages.Status, status);
                return status;
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>Jumps to the state after event <paramref name="seq"/> (forwards or backwards) and sends it as a snapshot.</summary>
        public async Task<ReplayStatus> SeekAsync(long seq, bool pause = false)
        {
            var target = await owner.Travel.AtSeqAsync(operationId, Math.Max(1, seq));
            var at = seq >= FirstSeq ? (await owner.Timeline.ReadEventAsync(operationId, seq))!.ServerTime : (await owner.Timeline.ReadEventAsync(operationId, FirstSeq))!.ServerTime;
            await _gate.WaitAsync();
            try
            {
                _state = target!;
                _view = null;
                _buffer.Clear();
                SetClock(at);
                if (pause) _paused = true;
                var status = Status();
                await Client.SendAsync(ReplayMessages.Snapshot, Id, _state.ToView(View), at);
                await Client.SendAsync(ReplayMessages.Status, status);
                Wake();
                return status;
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>Applies the next event now, whatever its time, and pauses.</summary>
        public async Task<ReplayStatus> StepAsync()
        {
            await _gate.WaitAsync();
            try
            {
                _paused = true;
                if (await NextAsync() is { } e)
                {
                    _buffer.Dequeue();
                    SetClock(e.ServerTime);
                    await SendAsync([Apply(e)]);
                }

                var status = Status();
                await Client.SendAsync(ReplayMessages.Status, status);
                Wake();
                return status;
            }
            finally
            {
                _gate.Release();
            }
        }

        private async Task<TimelineEvent?> NextAsync()
        {
            if (_buffer.Count == 0 && Cursor < lastSeq)
            {
                await foreach (var e in owner.Timeline.ReadRangeAsync(operationId, Cursor, Math.Min(lastSeq, Cursor + ReadChunk), _stop.Token))
                    _buffer.Enqueue(e);
            }

            return _buffer.Count > 0 ? _buffer.Peek() : null;
        }

        private OperationDelta Apply(TimelineEvent e)
        {
            _state = OperationReducer.Apply(_state, e);
            if (e.Payload is OperationDefined) _view = null;
            return CommittedEvent.Of(e, _state).ToDelta(View);
        }

        // What the replay's viewer sees (its agency's need-to-know), as of the definition it has reached.
        private Viewpoint? _view;

        private Viewpoint View => _view ??= Viewpoint.Of(_state, agency);

        private Task SendAsync(OperationDelta[] deltas) => Client.SendAsync(ReplayMessages.Deltas, Id, deltas, _stop.Token);

        private async Task Loop()
        {
            var endSent = false;
            while (!_stop.IsCancellationRequested)
            {
                var wake = Volatile.Read(ref _wake).Token;
                TimeSpan wait;
                await _gate.WaitAsync(_stop.Token);
                try
                {
                    var next = _paused ? null : await NextAsync();
                    if (next is null)
                    {
                        if (!_paused && !endSent)
                        {
                            // At the end it stops, as a player does: a seek then shows that moment, play starts again.
                            SetClock(Now());
                            _paused = true;
                            endSent = true;
                            await Client.SendAsync(ReplayMessages.Status, Status(), _stop.Token);
                        }

                        wait = Timeout.InfiniteTimeSpan;
                    }
                    else
                    {
                        endSent = false;
                        // Everything due by now on the replay clock goes in one message.
                        var now = Now();
                        var due = new List<OperationDelta>();
                        while (due.Count < BatchMax && _buffer.Count > 0 && _buffer.Peek().ServerTime <= now)
                            due.Add(Apply(_buffer.Dequeue()));
                        if (due.Count > 0) await SendAsync([.. due]);
                        wait = _buffer.Count > 0
                            ? TimeSpan.FromTicks(Math.Max(0, (long)((_buffer.Peek().ServerTime - Now()).Ticks / _speed)))
                            : TimeSpan.Zero;
                        if (due.Count == BatchMax) wait = TimeSpan.Zero;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    owner.LogFailed(ex, Id);
                    wait = TimeSpan.FromSeconds(1);
                }
                finally
                {
                    _gate.Release();
                }

                try
                {
                    if (wait > TimeSpan.Zero || wait == Timeout.InfiniteTimeSpan)
                    {
                        using var both = CancellationTokenSource.CreateLinkedTokenSource(wake, _stop.Token);
                        await Task.Delay(wait == Timeout.InfiniteTimeSpan ? wait : wait < TimeSpan.FromMinutes(5) ? wait : TimeSpan.FromMinutes(5), both.Token);
                    }
                }
                catch (OperationCanceledException)
                {
                    // Woken by a control (or stopped): look again.
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            Wake();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replay {ReplayId} of {OperationId}: events {First}-{Last} at {Speed}x")]
    private partial void LogStarted(string replayId, string operationId, long first, long last, double speed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay {ReplayId} failed a step; retrying")]
    private partial void LogFailed(Exception ex, string replayId);
}
