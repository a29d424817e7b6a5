
namespace Liberterra.Command.Grains;

/// <summary>
/// Grain references on the hot paths. <c>GetGrain&lt;T&gt;(string)</c> resolves the interface's grain type by reading
/// its attributes on every call (measured: 5 % of the server's CPU under load, one report costing several calls);
/// the types are resolved here once per interface and the reference built from the id directly.
/// </summary>
public static class GrainReferences
{
    public static T Reference<T>(this IGrainFactory grains, string key) where T : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var types = Types<T>.Resolve(grains);
        return (T)grains.GetGrain(GrainId.Create(types.Grain, IdSpan.Create(key)), types.Interface);
    }

    private sealed record Resolved(GrainType Grain, GrainInterfaceType Interface);

    // The same for every silo of a cluster: both come from the interface and the grain class, not from the runtime.
    // Published as one reference, so a caller racing the first resolution sees all of it or none of it.
    private static class Types<T> where T : IGrainWithStringKey
    {
        private static Resolved? _resolved;

        public static Resolved Resolve(IGrainFactory grains)
        {
            if (Volatile.Read(ref _resolved) is { } known) return known;
            var sample = (GrainReference)(object)grains.GetGrain<T>("-");
            var resolved = new Resolved(sample.GrainId.Type, sample.InterfaceType);
            Volatile.Write(ref _resolved, resolved);
            return resolved;
        }
    }
}
