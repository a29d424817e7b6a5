using Liberterra.Command.Domain;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Liberterra.Command.Grains;

/// <summary>One per silo: receives every operation's committed events and hands them to that silo's walls.</summary>
public interface IOperationFeed : IGrainObserver
{
    [OneWay]
    Task OnCommitted(string operationId, CommittedEvent[] events);
}

/// <summary>
/// Knows every silo's feed and fans committed events out to all of them (IHubContext reaches only its own silo's
/// connections). Feeds re-subscribe periodically; one that stops doing so is forgotten.
/// </summary>
public interface IFeedRegistryGrain : IGrainWithIntegerKey
{
    Task Subscribe(IOperationFeed feed);

    Task Unsubscribe(IOperationFeed feed);

    [OneWay]
    Task Publish(string operationId, CommittedEvent[] events);
}

public sealed partial class FeedRegistryGrain(ILogger<FeedRegistryGrain> logger) : Grain, IFeedRegistryGrain
{
    /// <summary>A feed that has not re-subscribed for this long is dropped (feeds re-subscribe every 5 s).</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(30);

    private readonly Dictionary<IOperationFeed, DateTime> _feeds = [];

    public Task Subscribe(IOperationFeed feed)
    {
        _feeds[feed] = DateTime.UtcNow;
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IOperationFeed feed)
    {
        _feeds.Remove(feed);
        return Task.CompletedTask;
    }

    public Task Publish(string operationId, CommittedEvent[] events)
    {
        var now = DateTime.UtcNow;
        foreach (var (feed, seen) in _feeds.ToList())
        {
            if (now - seen > Expiry)
            {
                _feeds.Remove(feed);
                LogExpired(feed.GetPrimaryKeyString() ?? "feed");
                continue;
            }

            // One-way: a slow or dead silo delays nobody.
            feed.OnCommitted(operationId, events).Ignore();
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {Feed} stopped re-subscribing and was dropped")]
    private partial void LogExpired(string feed);
}
