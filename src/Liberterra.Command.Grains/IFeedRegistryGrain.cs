
namespace Liberterra.Command.Grains;

/// <summary>
/// Where each silo's feed can be reached: used by <see cref="FeedDirectory"/> to discover the other silos when it
/// starts and every few seconds, never per commit, so the silo this grain lives on can die without stopping a wall.
/// </summary>
public interface IFeedRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Records <paramref name="feed"/> and answers every feed known, its own included.</summary>
    Task<SiloFeed[]> Subscribe(SiloFeed feed);

    Task Unsubscribe(SiloAddress silo);

    /// <summary>The silo this registry lives on (operators' diagnostics: a silo whose death moves it).</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<string> GetSilo();
}

/// <summary>One silo's feed: the object that receives every operation's committed batches on that silo.</summary>
[GenerateSerializer, Immutable]
public sealed record SiloFeed([property: Id(0)] SiloAddress Silo, [property: Id(1)] ISiloFeed Feed);
