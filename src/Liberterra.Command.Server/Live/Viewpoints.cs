using System.Collections.Concurrent;
using Liberterra.Command.Domain;

namespace Liberterra.Command.Server.Live;

/// <summary>
/// Each watched operation's need-to-know rules on this silo (from the newest definition seen: a display's snapshot or a
/// definition the relay passed on), and one <see cref="Viewpoint"/> per view, so that the relay maps a batch once per view.
/// </summary>
public sealed class Viewpoints
{
    private sealed record Known(long Seq, AgencyRules Rules, ConcurrentDictionary<string, Viewpoint> Views);

    private readonly ConcurrentDictionary<string, Known> _known = new(StringComparer.Ordinal);

    /// <summary>The operation's rules as of <paramref name="seq"/>; an older one than already known changes nothing.</summary>
    public void Update(string operationId, long seq, AgencyRules rules)
    {
        while (true)
        {
            if (_known.TryGetValue(operationId, out var known))
            {
                if (known.Seq >= seq || _known.TryUpdate(operationId, new Known(seq, rules, new(StringComparer.Ordinal)), known)) return;
            }
            else if (_known.TryAdd(operationId, new Known(seq, rules, new(StringComparer.Ordinal)))) return;
        }
    }

    public bool Knows(string operationId) => _known.ContainsKey(operationId);

    /// <summary>The view of <paramref name="key"/> ("" for everything) on the operation.</summary>
    public Viewpoint For(string operationId, string key)
    {
        if (key.Length == 0 || !_known.TryGetValue(operationId, out var known)) return key.Length == 0 ? Viewpoint.Everything : new Viewpoint(Nobody, key);
        return known.Views.GetOrAdd(key, k => new Viewpoint(known.Rules, k));
    }

    // Rules not known yet for a scoped view (a join in flight): fail closed, the agency sees no team.
    private static readonly AgencyRules Nobody = new([new AgencyDefinition("-", "-", null, AgencyKind.Other, false, Sharing.CountsOnly)], []);
}
