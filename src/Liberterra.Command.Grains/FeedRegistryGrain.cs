using Microsoft.Extensions.Logging;

namespace Liberterra.Command.Grains;

public sealed partial class FeedRegistryGrain(IClusterMembershipService membership, ILogger<FeedRegistryGrain> logger)
    : Grain, IFeedRegistryGrain
{
    private readonly Dictionary<SiloAddress, ISiloFeed> _feeds = [];

    public Task<SiloFeed[]> Subscribe(SiloFeed feed)
    {
        if (!_feeds.ContainsKey(feed.Silo)) LogSubscribed(feed.Silo);
        _feeds[feed.Silo] = feed.Feed;
        // A feed whose silo the cluster declared dead is forgotten (rebuilt after a move: every silo subscribes again).
        var snapshot = membership.CurrentSnapshot;
        foreach (var silo in _feeds.Keys.Where(s => snapshot.GetSiloStatus(s) == SiloStatus.Dead).ToList())
        {
            _feeds.Remove(silo);
            LogDropped(silo);
        }

        return Task.FromResult(_feeds.Select(f => new SiloFeed(f.Key, f.Value)).ToArray());
    }

    public Task Unsubscribe(SiloAddress silo)
    {
        _feeds.Remove(silo);
        return Task.CompletedTask;
    }

    public Task<string> GetSilo() => Task.FromResult(GrainContext.Address.SiloAddress?.ToString() ?? "");

    // Debug: each silo's feed directory says at Information which silos its commits go to; the registry is rebuilt
    // after a move (every silo subscribes again), which would repeat it for every silo at each failover.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Feed of silo {Silo} registered")]
    private partial void LogSubscribed(SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Feed of silo {Silo} forgotten: the silo is dead")]
    private partial void LogDropped(SiloAddress silo);
}
