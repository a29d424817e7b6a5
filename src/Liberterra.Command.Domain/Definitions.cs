namespace Liberterra.Command.Domain;

/// <summary>Comparing operation definitions: whether a definition sent again changes anything.</summary>
public static class Definitions
{
    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> define the same operation: same fields, the same regions
    /// and teams whatever their order (a definition sent again with its lists reordered is not an update).
    /// </summary>
    public static bool Same(OperationDefinition a, OperationDefinition b) =>
        a.Id == b.Id && a.Name == b.Name && a.WindowStart == b.WindowStart && a.WindowEnd == b.WindowEnd
        && a.Exercise == b.Exercise && a.ClockSpeed == b.ClockSpeed
        && a.Regions.OrderBy(r => r.Id, StringComparer.Ordinal).SequenceEqual(b.Regions.OrderBy(r => r.Id, StringComparer.Ordinal), RegionComparer.Instance)
        && a.Teams.OrderBy(t => t.Id, StringComparer.Ordinal).SequenceEqual(b.Teams.OrderBy(t => t.Id, StringComparer.Ordinal))
        && a.Agencies.OrderBy(x => x.Id, StringComparer.Ordinal).SequenceEqual(b.Agencies.OrderBy(x => x.Id, StringComparer.Ordinal));

    // Regions hold an array (exploitation types), which a record compares by reference.
    private sealed class RegionComparer : IEqualityComparer<RegionDefinition>
    {
        public static readonly RegionComparer Instance = new();

        public bool Equals(RegionDefinition? x, RegionDefinition? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Name == y.Name && x.CountryCode == y.CountryCode
            && x.Centroid == y.Centroid && x.ExploitationTypes.SequenceEqual(y.ExploitationTypes);

        public int GetHashCode(RegionDefinition obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
