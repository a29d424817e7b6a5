using Liberterra.Command.Domain;
using Orleans.Concurrency;

namespace Liberterra.Command.Grains;

/// <summary>One per silo, reached by the other silos' <see cref="FeedDirectory"/>: receives committed batches.</summary>
public interface ISiloFeed : IGrainObserver
{
    [OneWay]
    Task OnCommitted(string operationId, CommittedEvent[] events);

    /// <summary>A silo that just started says where its feed is, so that commits reach it from the first one on.</summary>
    Task Meet(SiloFeed newcomer);
}
