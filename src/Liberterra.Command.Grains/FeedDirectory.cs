using System.Collections.Immutable;
using Liberterra.Command.Domain;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Liberterra.Command.Grains;

/// <summary>
/// The push path's fan-out, one per silo. An operation grain hands it every committed batch (<see cref="Publish"/>) and
/// it sends the batch one-way straight to every silo's feed (its own in-process), as the Orleans GPSTracker sample
/// does: no grain call per commit, so no silo but the writer's is on the way. It learns the feeds from
/// <see cref="IFeedRegistryGrain"/> when it starts, every <see cref="Refresh"/> and on every membership change, and from
/// each silo that starts later (<see cref="ISiloFeed.Meet"/>); a silo declared dead is dropped at once. What it
/// knows is only ever added to by the registry's answers, so a registry that lost its state (its silo died) forgets
/// nobody.
/// </summary>
public sealed partial class FeedDirectory(
    IGrainFactory grains, IClusterMembershipService membership, ILocalSiloDetails local, ILogger<FeedDirectory> logger)
    : BackgroundService, ISiloFeed
{
    /// <summary>How often the registry is asked again (and told this silo is here) without a membership change.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    private ImmutableDictionary<SiloAddress, ISiloFeed> _peers = ImmutableDictionary<SiloAddress, ISiloFeed>.Empty;
    private ICommittedEventSink? _sink;
    private ISiloFeed? _self;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _changed = new(0);
    private int _failures;

    /// <summary>Completes once the other silos know this one: from then on every commit anywhere reaches it.</summary>
    public Task Ready => _ready.Task;

    /// <summary>The other silos this one sends to (diagnostics and tests).</summary>
    public IReadOnlyCollection<SiloAddress> Peers => _peers.Keys.ToList();

    /// <summary>Where this silo's own batches go (set once, by the wall relay when it starts).</summary>
    public void Attach(ICommittedEventSink sink) => _sink = sink;

    /// <summary>Sends a committed batch to every silo, never waiting for any: a slow or dead silo delays nobody.</summary>
    public void Publish(string operationId, CommittedEvent[] events)
    {
        foreach (var peer in _peers.Values) peer.OnCommitted(operationId, events).Ignore();
        Deliver(operationId, events);
    }

    Task ISiloFeed.OnCommitted(string operationId, CommittedEvent[] events)
    {
        Deliver(operationId, events);
        return Task.CompletedTask;
    }

    Task ISiloFeed.Meet(SiloFeed newcomer)
    {
        Add([newcomer]);
        return Task.CompletedTask;
    }

    private void Deliver(string operationId, CommittedEvent[] events)
    {
        try
        {
            _sink?.OnCommitted(operationId, events);
        }
        catch (Exception ex)
        {
            LogDeliverFailed(ex, operationId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _self = grains.CreateObjectReference<ISiloFeed>(this);
        var me = new SiloFeed(local.SiloAddress, _self);
        var watching = WatchMembership(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var known = await grains.GetGrain<IFeedRegistryGrain>(0).Subscribe(me).WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
                var added = Add(known);
                if (!Ready.IsCompleted)
                {
                    // Tell every other silo at once rather than waiting for their next refresh; one that does not answer
                    // in time learns of this silo from the registry later.
                    await Task.WhenAll(added.Select(p => Introduce(p, me, stoppingToken)));
                    _ready.TrySetResult();
                    LogReady(local.SiloAddress, _peers.Count);
                }

                if (_failures > 0) LogRegistryBack(_failures);
                _failures = 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Once, not per retry: while the registry's silo is being declared dead every attempt fails alike.
                if (_failures++ == 0) LogRegistryUnreachable(ex.GetType().Name, ex.GetBaseException().Message.Split('\n')[0]);
            }

            try
            {
                await _changed.WaitAsync(Ready.IsCompleted ? Refresh : TimeSpan.FromMilliseconds(250), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        try
        {
            await grains.GetGrain<IFeedRegistryGrain>(0).Unsubscribe(local.SiloAddress).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogRegistryUnreachable(ex.GetType().Name, ex.GetBaseException().Message.Split('\n')[0]);
        }

        await watching;
    }

    private static async Task Introduce(ISiloFeed peer, SiloFeed me, CancellationToken stoppingToken)
    {
        try
        {
            await peer.Meet(me).WaitAsync(TimeSpan.FromSeconds(2), stoppingToken);
        }
        catch (Exception) when (!stoppingToken.IsCancellationRequested)
        {
            // Dead or slow: the registry tells it about this silo at its next refresh.
        }
    }

    // Adds the feeds of silos not known yet (never this one, never a dead one); answers the new ones.
    private List<ISiloFeed> Add(IEnumerable<SiloFeed> feeds)
    {
        var snapshot = membership.CurrentSnapshot;
        var added = new List<ISiloFeed>();
        foreach (var f in feeds)
        {
            if (f.Silo.Equals(local.SiloAddress) || snapshot.GetSiloStatus(f.Silo) == SiloStatus.Dead) continue;
            if (ImmutableInterlocked.TryAdd(ref _peers, f.Silo, f.Feed))
            {
                added.Add(f.Feed);
                LogPeerAdded(f.Silo);
            }
            else if (_peers.TryGetValue(f.Silo, out var held))
            {
                // The same silo's feed under a new reference (it re-created it): the newest wins. Only while it is
                // still held: a silo dropped meanwhile (declared dead) is not put back by an answer that still lists it.
                ImmutableInterlocked.TryUpdate(ref _peers, f.Silo, f.Feed, held);
            }
        }

        return added;
    }

    // Dead silos are dropped the moment the cluster says so; any change also asks the registry again (a silo joined).
    private async Task WatchMembership(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                foreach (var silo in _peers.Keys)
                {
                    if (snapshot.GetSiloStatus(silo) != SiloStatus.Dead) continue;
                    if (ImmutableInterlocked.TryRemove(ref _peers, silo, out _)) LogPeerDropped(silo);
                }

                _changed.Release();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Feed directory of silo {Silo} ready: {Peers} other silos reached")]
    private partial void LogReady(SiloAddress silo, int peers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Commits now also go to silo {Silo}")]
    private partial void LogPeerAdded(SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} is dead: commits no longer go to it")]
    private partial void LogPeerDropped(SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The feed registry cannot be reached ({Error}: {Message}); commits still go to every silo known, retrying")]
    private partial void LogRegistryUnreachable(string error, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "The feed registry answers again after {Failures} failed attempts")]
    private partial void LogRegistryBack(int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committed events of operation {OperationId} could not be handed to this silo's displays")]
    private partial void LogDeliverFailed(Exception ex, string operationId);
}
