using System.Threading.Channels;
using Liberterra.Command.Contracts;
using Microsoft.AspNetCore.SignalR.Client;

namespace Liberterra.Command.Api.Tests;

/// <summary>A SignalR client as a wall is one: real WebSockets to the real hub.</summary>
internal static class Hubs
{
    public static async Task<HubConnection> Connect(Uri server, string? token, string path = HubMessages.Path)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server, path), o =>
            {
                if (token is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    /// <summary>Every delta the connection receives, in arrival order.</summary>
    public static ChannelReader<OperationDelta> Deltas(HubConnection connection)
    {
        var channel = Channel.CreateUnbounded<OperationDelta>();
        connection.On<OperationDelta[]>(HubMessages.Deltas, batch =>
        {
            foreach (var d in batch) channel.Writer.TryWrite(d);
        });
        return channel.Reader;
    }

    public static async Task<List<OperationDelta>> Take(ChannelReader<OperationDelta> reader, int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var list = new List<OperationDelta>();
        try
        {
            while (list.Count < count) list.Add(await reader.ReadAsync(cts.Token));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Received {list.Count} of {count} deltas: seq {string.Join(",", list.Select(d => d.Seq))}");
        }

        return list;
    }
}
