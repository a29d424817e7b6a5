using System.Collections.Concurrent;

namespace Liberterra.Command.Server.Live;

/// <summary>
/// Which of this silo's connections watch which operations, and through which view (<see cref="Domain.Viewpoint.Key"/>:
/// "" for the whole operation, else the agency): the relay builds deltas only for watched operations and sends each
/// view's to its watchers.
/// </summary>
public sealed class Watchers
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _byConnection = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _byOperation = new(StringComparer.Ordinal);

    public bool AnyFor(string operationId) => _byOperation.TryGetValue(operationId, out var c) && !c.IsEmpty;

    /// <summary>The connections watching the operation now, with their view (a snapshot; safe to enumerate while others join).</summary>
    public IEnumerable<KeyValuePair<string, string>> ConnectionsOf(string operationId) =>
        _byOperation.TryGetValue(operationId, out var c) ? c : [];

    public void Join(string connectionId, string operationId, string view = "")
    {
        _byConnection.GetOrAdd(connectionId, _ => new(StringComparer.Ordinal)).TryAdd(operationId, 0);
        _byOperation.GetOrAdd(operationId, _ => new(StringComparer.Ordinal))[connectionId] = view;
    }

    public void Leave(string connectionId, string operationId)
    {
        if (_byConnection.TryGetValue(connectionId, out var ops)) ops.TryRemove(operationId, out _);
        if (_byOperation.TryGetValue(operationId, out var connections)) connections.TryRemove(connectionId, out _);
    }

    public void LeaveAll(string connectionId)
    {
        if (!_byConnection.TryRemove(connectionId, out var ops)) return;
        foreach (var op in ops.Keys)
            if (_byOperation.TryGetValue(op, out var connections)) connections.TryRemove(connectionId, out _);
    }
}
