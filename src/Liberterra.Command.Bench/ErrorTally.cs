using System.Collections.Concurrent;

namespace Liberterra.Command.Bench;

/// <summary>Errors by kind (status and the start of the problem, or the connection failure), counted.</summary>
internal sealed class ErrorTally
{
    private readonly ConcurrentDictionary<string, int> _kinds = new();

    public int Total => _kinds.Values.Sum();

    public IReadOnlyDictionary<string, int> Kinds => new SortedDictionary<string, int>(_kinds);

    public void Add(string kind) => _kinds.AddOrUpdate(kind, 1, (_, n) => n + 1);
}
