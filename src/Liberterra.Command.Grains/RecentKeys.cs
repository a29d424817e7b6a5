using System.Runtime.InteropServices;
using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains;

/// <summary>A key seen in this operation: its request's fingerprint, its event, and the commit if still pending.</summary>
internal readonly record struct KeyEntry(UInt128 Fingerprint, long Seq, Task<TimelineEvent>? Pending);

/// <summary>
/// The idempotency keys the operation grain keeps in memory: every key still being committed, and the most recent committed
/// ones up to a capacity (<see cref="OperationGrainOptions.RecentKeys"/>), oldest out first. A retry of an older request
/// is not found here, is queued as new, and meets the timeline's unique constraint, which stays the truth: the grain then
/// looks the key up and answers with the stored event or refuses the reuse (OperationGrain.Isolate). So what an
/// activation reads and holds does not grow with the operation's history.
/// </summary>
internal sealed class RecentKeys(int capacity)
{
    private readonly Dictionary<string, KeyEntry> _entries = new(StringComparer.Ordinal);
    // Keys in the order they were first added; a key removed and added again is in it twice (the older one is skipped).
    private readonly Queue<string> _order = new();

    public int Capacity { get; } = Math.Max(1, capacity);

    public int Count => _entries.Count;

    public bool TryGetValue(string key, out KeyEntry entry) => _entries.TryGetValue(key, out entry);

    public bool ContainsKey(string key) => _entries.ContainsKey(key);

    public KeyEntry this[string key]
    {
        get => _entries[key];
        set
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, key, out var existed);
            slot = value;
            if (!existed) _order.Enqueue(key);
        }
    }

    public void Remove(string key) => _entries.Remove(key);

    /// <summary>Forgets the oldest committed keys beyond the capacity (a key still being committed is never forgotten).</summary>
    public void Trim()
    {
        while (_entries.Count > Capacity && _order.TryPeek(out var oldest))
        {
            if (_entries.TryGetValue(oldest, out var entry) && entry.Pending is not null) break;
            _order.Dequeue();
            _entries.Remove(oldest);
        }

        // Keys removed (refused, failed) leave their place in the order behind: drop those once they are many.
        if (_order.Count > 2 * _entries.Count + 1024)
        {
            var live = _entries.OrderBy(e => e.Value.Seq).Select(e => e.Key).ToList();
            _order.Clear();
            foreach (var key in live) _order.Enqueue(key);
        }
    }
}
