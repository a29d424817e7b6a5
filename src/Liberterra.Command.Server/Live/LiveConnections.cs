using System.Collections.Concurrent;
using Liberterra.Command.Server.Observability;
using Microsoft.AspNetCore.SignalR;

namespace Liberterra.Command.Server.Live;

/// <summary>
/// This silo's live-hub connections, as SignalR's own lifetime manager sees them, so that the relay can write to each
/// display itself (see <see cref="Displays"/>). Everything else is the default single-silo behaviour.
/// </summary>
public sealed class LiveConnections(ILogger<DefaultHubLifetimeManager<OperationsHub>> logger)
    : DefaultHubLifetimeManager<OperationsHub>(logger), IDisplayCount
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _connections = new(StringComparer.Ordinal);

    public int Count => _connections.Count;

    public HubConnectionContext? Find(string connectionId) => _connections.GetValueOrDefault(connectionId);

    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        _connections[connection.ConnectionId] = connection;
        return base.OnConnectedAsync(connection);
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        _connections.TryRemove(connection.ConnectionId, out _);
        return base.OnDisconnectedAsync(connection);
    }
}
