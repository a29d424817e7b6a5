using System.Net;
using Liberterra.Command.Contracts;
using Microsoft.AspNetCore.SignalR.Client;

namespace Liberterra.Command.Cluster.Tests;

/// <summary>
/// A wall as the page is one (web/live.js): joins for a snapshot, applies deltas strictly in sequence order, rejoins
/// on a gap or a reconnect, reconnects forever. Counts what it had to do, so a test can tell a wall that kept
/// receiving from one that had to resync.
/// </summary>
public sealed class TestWall : IAsyncDisposable
{
    private readonly HubConnection _hub;
    private readonly string _operation;
    private readonly object _lock = new();
    private readonly List<OperationDelta> _early = [];
    private bool _joining;
    private volatile bool _disposed;

    private TestWall(HubConnection hub, string operation, string name)
    {
        _hub = hub;
        _operation = operation;
        Name = name;
        hub.On<OperationDelta[]>(HubMessages.Deltas, Receive);
        hub.Reconnecting += _ => { lock (_lock) Reconnects++; return Task.CompletedTask; };
        hub.Reconnected += _ => Join();
    }

    public string Name { get; }

    public long LastSeq { get; private set; } = -1;

    public TotalsView? Totals { get; private set; }

    /// <summary>Deltas applied one after the other (not counting snapshots).</summary>
    public int Applied { get; private set; }

    /// <summary>Times a delta came with a sequence number beyond the next one.</summary>
    public int Gaps { get; private set; }

    /// <summary>Times the connection dropped and reconnection started.</summary>
    public int Reconnects { get; private set; }

    /// <summary>Snapshots taken after the first one.</summary>
    public int Resyncs { get; private set; }

    public HubConnectionState State => _hub.State;

    /// <summary>The longest time from a delta's commit (its server time) to this wall applying it.</summary>
    public TimeSpan MaxLatency { get; private set; }

    /// <summary>The delta that took longest, and when it was applied (for a failure message).</summary>
    public (long Seq, DateTimeOffset At) Slowest { get; private set; }

    /// <summary>When the last snapshot after the first one arrived (null: none).</summary>
    public DateTimeOffset? LastResyncAt { get; private set; }

    public static async Task<TestWall> ConnectAsync(Uri server, string token, string operation, string name, string? affinity = null)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(server, HubMessages.Path), o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                if (affinity is not null) o.Cookies.Add(new Cookie("lt_affinity", affinity, "/", server.Host));
            })
            .WithAutomaticReconnect(new Forever())
            .Build();
        var wall = new TestWall(hub, operation, name);
        await hub.StartAsync();
        await wall.Join();
        return wall;
    }

    private async Task Join()
    {
        lock (_lock)
        {
            if (_joining) return;
            _joining = true;
            if (LastSeq >= 0) Resyncs++;
        }

        try
        {
            var view = await _hub.InvokeAsync<OperationView>("JoinOperation", _operation);
            lock (_lock)
            {
                if (LastSeq >= 0) LastResyncAt = DateTimeOffset.UtcNow;
                if (view.LastSeq > LastSeq)
                {
                    LastSeq = view.LastSeq;
                    Totals = view.Totals;
                }

                _joining = false;
                var early = _early.OrderBy(d => d.Seq).ToList();
                _early.Clear();
                Apply(early);
            }
        }
        catch
        {
            // Connected but refused for now (the server is still joining its cluster, the operation is moving to a
            // survivor): try again, as the page does (web/live.js). A wall left without a subscription would show a
            // stale picture forever.
            lock (_lock) _joining = false;
            if (!_disposed && _hub.State == HubConnectionState.Connected) _ = RetryJoin();
        }
    }

    private async Task RetryJoin()
    {
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        if (!_disposed && _hub.State == HubConnectionState.Connected) await Join();
    }

    private void Receive(OperationDelta[] batch)
    {
        lock (_lock)
        {
            if (_joining || LastSeq < 0) _early.AddRange(batch);
            else Apply(batch);
        }
    }

    private void Apply(IEnumerable<OperationDelta> batch)
    {
        foreach (var d in batch)
        {
            if (d.Seq <= LastSeq) continue;
            if (d.Seq != LastSeq + 1)
            {
                Gaps++;
                _ = Task.Run(Join);
                return;
            }

            LastSeq = d.Seq;
            Totals = d.Totals;
            Applied++;
            var now = DateTimeOffset.UtcNow;
            if (now - d.ServerTime > MaxLatency)
            {
                MaxLatency = now - d.ServerTime;
                Slowest = (d.Seq, now);
            }
        }
    }

    public override string ToString() =>
        $"{Name}: seq {LastSeq}, applied {Applied}, gaps {Gaps}, reconnects {Reconnects}, resyncs {Resyncs}, " +
        $"slowest delta {MaxLatency.TotalMilliseconds:0} ms (#{Slowest.Seq}), {State}";

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        return _hub.DisposeAsync();
    }

    private sealed class Forever : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) => TimeSpan.FromMilliseconds(Math.Min(2000, 200 * (retryContext.PreviousRetryCount + 1)));
    }
}
