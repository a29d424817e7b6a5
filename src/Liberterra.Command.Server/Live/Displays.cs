using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Liberterra.Command.Server.Live;

/// <summary>
/// Sends a batch of deltas to every display watching an operation on this silo without waiting for any of them: the
/// message is serialized once per view (an agency's need-to-know, <see cref="Domain.Viewpoint"/>), written to each connection, and a display whose writes pile up (it stopped reading,
/// or reads slower than the operation changes) is disconnected once it is <see cref="MaxPendingWrites"/> behind. It
/// reconnects and resyncs from a fresh snapshot; meanwhile nobody else, and never the write path, waits for it.
/// SignalR keeps each connection's writes in order.
/// </summary>
public sealed partial class Displays(LiveConnections connections, Watchers watchers, ILogger<Displays> logger)
{
    /// <summary>Batches a display may have in flight before it counts as too slow.</summary>
    public int MaxPendingWrites { get; init; } = 256;

    private readonly ConcurrentDictionary<string, int> _pending = new(StringComparer.Ordinal);
    private static readonly object DroppedMark = new();

    /// <summary>How many displays were disconnected for being too slow (since start).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    private long _dropped;

    /// <summary>
    /// Sends to every watcher of the operation what its view gets: <paramref name="payloadFor"/> is asked once per view
    /// (<see cref="Domain.Viewpoint.Key"/>) present, and each view's message is serialized once for all its watchers.
    /// </summary>
    public void Send(string operationId, string method, Func<string, object> payloadFor)
    {
        SerializedHubMessage? whole = null;
        Dictionary<string, SerializedHubMessage>? views = null;
        foreach (var (connectionId, view) in watchers.ConnectionsOf(operationId))
        {
            if (connections.Find(connectionId) is not { } connection) continue;
            SerializedHubMessage message;
            if (view.Length == 0) message = whole ??= new SerializedHubMessage(new InvocationMessage(method, [payloadFor(view)]));
            else if (!(views ??= new(StringComparer.Ordinal)).TryGetValue(view, out message!))
                views[view] = message = new SerializedHubMessage(new InvocationMessage(method, [payloadFor(view)]));
            Write(connection, message);
        }
    }

    private void Write(HubConnectionContext connection, SerializedHubMessage message)
    {
        var id = connection.ConnectionId;
        if (connection.Items.ContainsKey(DroppedMark)) return;          // cut off already; its close is under way
        if (_pending.AddOrUpdate(id, 1, (_, n) => n + 1) > MaxPendingWrites)
        {
            Done(id);
            if (!connection.Items.TryAdd(DroppedMark, true)) return;
            Interlocked.Increment(ref _dropped);
            LogTooSlow(id, MaxPendingWrites);
            connection.Abort();
            return;
        }

        ValueTask write;
        try
        {
            write = connection.WriteAsync(message, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Done(id);
            LogWriteFailed(ex, id);
            return;
        }

        if (write.IsCompletedSuccessfully) Done(id);
        else _ = Finish(write, id);
    }

    private async Task Finish(ValueTask write, string id)
    {
        try
        {
            await write;
        }
        catch (Exception ex)
        {
            LogWriteFailed(ex, id);
        }
        finally
        {
            Done(id);
        }
    }

    private void Done(string id)
    {
        if (_pending.AddOrUpdate(id, 0, (_, n) => n - 1) <= 0) _pending.TryRemove(new KeyValuePair<string, int>(id, 0));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Display {ConnectionId} disconnected: {Pending} batches behind (it will reconnect and resync)")]
    private partial void LogTooSlow(string connectionId, int pending);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Writing to display {ConnectionId} failed")]
    private partial void LogWriteFailed(Exception ex, string connectionId);
}
