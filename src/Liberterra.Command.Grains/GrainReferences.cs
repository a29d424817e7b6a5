using Orleans.Runtime;

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
        var (type, interfaceType) = Types<T>.Resolve(grains);
        return (T)grains.GetGrain(GrainId.Create(type, IdSpan.Create(key)), interfaceType);
    }

    // The same for every silo of a cluster: both come from the interface and the grain class, not from the runtime.
    private static class Types<T> where T : IGrainWithStringKey
    {
        private static (GrainType, GrainInterfaceType)? _resolved;

        public static (GrainType, GrainInterfaceType) Resolve(IGrainFactory grains)
        {
            if (_resolved is { } known) return known;
            var sample = (GrainReference)(object)grains.GetGrain<T>("-");
            var resolved = (sample.GrainId.Type, sample.InterfaceType);
            _resolved = resolved;
            return resolved;
        }
    }
}
