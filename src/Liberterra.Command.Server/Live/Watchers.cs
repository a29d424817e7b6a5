using System.Collections.Concurrent;

namespace Liberterra.Command.Server.Live;

/// <summary>Which operations this silo's connections watch, so that nobody's deltas are built for nobody.</summary>
public sealed class Watchers
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _byConnection = new();
    private readonly ConcurrentDictionary<string, int> _count = new(StringComparer.Ordinal);

    public bool AnyFor(string operationId) => _count.TryGetValue(operationId, out var n) && n > 0;

    public void Join(string connectionId, string operationId)
    {
        if (_byConnection.GetOrAdd(connectionId, _ => new()).TryAdd(operationId, 0))
            _count.AddOrUpdate(operationId, 1, (_, n) => n + 1);
    }

    public void Leave(string connectionId, string operationId)
    {
        if (_byConnection.TryGetValue(connectionId, out var ops) && ops.TryRemove(operationId, out _))
            _count.AddOrUpdate(operationId, 0, (_, n) => Math.Max(0, n - 1));
    }

    public void LeaveAll(string connectionId)
    {
        if (!_byConnection.TryRemove(connectionId, out var ops)) return;
        foreach (var op in ops.Keys) _count.AddOrUpdate(op, 0, (_, n) => Math.Max(0, n - 1));
    }
}
