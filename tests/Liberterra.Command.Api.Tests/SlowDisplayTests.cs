using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Server.Live;
using Liberterra.Command.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Liberterra.Command.Api.Tests;

/// <summary>One display that stops reading must not delay the others or the write path.</summary>
public class SlowDisplayTests
{
    [Fact]
    public async Task a_display_that_stops_reading_is_cut_off_and_holds_up_nobody()
    {
        await using var server = await InProcessServer.StartOnNewDatabaseAsync("slow-display", "--Live:MaxPendingWrites=16");
        var op = await DefineCrowdedOperation(server.Http);

        // Joins, then never reads again, but keeps pinging: alive to SignalR, so only the relay's limit can cut it off.
        await using var stuck = await StuckDisplay.JoinAsync(server.Address, TestAuth.Token(Roles.Wall), op);
        await using var wall = await Hubs.Connect(server.Address, TestAuth.Token(Roles.Wall));
        var deltas = Hubs.Deltas(wall);
        var snapshot = await wall.InvokeAsync<OperationView>("JoinOperation", op);

        // Bulky deltas fill the stuck display's socket buffers (the kernel lets a loopback send buffer grow to 4 MB)
        // within a few hundred reports: a note of 1,000 non-ASCII characters travels as 6,000 bytes of JSON escapes.
        const int reports = 1200;
        var lead = server.Client(TestAuth.Token(Roles.TeamLead, "AR-RAID-01"));
        var note = new string('€', 1000);
        await Parallel.ForAsync(0, reports, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var response = await Api.PostReport(lead, op, "AR-RAID-01", new { children = 1, note }, Api.NewKey());
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        });

        // The reading wall got everything, in order, promptly after the last acknowledgement.
        var received = await Hubs.Take(deltas, reports, TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(1, reports).Select(i => snapshot.LastSeq + i), received.Select(d => d.Seq));

        // The stuck one was disconnected (it would reconnect and resync, as the wall page does).
        var displays = server.Services.GetRequiredService<Displays>();
        Assert.Equal(1, displays.Dropped);
        await Wait.Until(() => Task.FromResult(server.Services.GetRequiredService<LiveConnections>().Count), n => n == 1,
            TimeSpan.FromSeconds(10), "the stuck display's connection to go");
        Assert.True(await stuck.ClosedAsync(TimeSpan.FromSeconds(10)), "the stuck display's socket is closed by the server");
    }

    private static async Task<string> DefineCrowdedOperation(HttpClient http)
    {
        var id = $"crowd-{Guid.NewGuid():N}"[..16];
        var start = DateTimeOffset.UtcNow.Date.AddDays(-1);
        var response = await http.PutAsJsonAsync($"/api/operations/{id}", new
        {
            name = "Crowded region", windowStart = start, windowEnd = start.AddDays(6), exercise = true,
            regions = new[] { new { id = "AR", name = "Argentina", centroid = new { latitude = -34.6, longitude = -64.2 } } },
            teams = Enumerable.Range(0, 600).Select(i => new { id = $"AR-TEAM-{i:D3}", kind = "RaidTeam", regionId = "AR", callSign = $"T{i}", agency = "Police" })
                .Append(new { id = "AR-RAID-01", kind = "RaidTeam", regionId = "AR", callSign = "Condor 1", agency = "Police" }),
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return id;
    }

    /// <summary>A raw WebSocket SignalR client with a tiny receive buffer that stops reading after joining.</summary>
    private sealed class StuckDisplay : IAsyncDisposable
    {
        private const char Separator = '\u001e';
        private readonly ClientWebSocket _socket;
        private readonly CancellationTokenSource _stop = new();

        private StuckDisplay(ClientWebSocket socket) => _socket = socket;

        public static async Task<StuckDisplay> JoinAsync(Uri server, string token, string operation)
        {
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (context, ct) =>
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            };
            var ws = new ClientWebSocket();
            ws.Options.SetRequestHeader("Authorization", $"Bearer {token}");
            // WebSockets need no negotiation: the hub takes the upgrade directly.
            await ws.ConnectAsync(new Uri($"ws://{server.Authority}{HubMessages.Path}"), new HttpMessageInvoker(handler), CancellationToken.None);
            var display = new StuckDisplay(ws);
            await display.SendAsync("{\"protocol\":\"json\",\"version\":1}");
            await display.ReadUntilAsync("{}");
            await display.SendAsync($"{{\"type\":1,\"invocationId\":\"1\",\"target\":\"JoinOperation\",\"arguments\":[\"{operation}\"]}}");
            await display.ReadUntilAsync("\"invocationId\":\"1\"");
            _ = display.PingAsync();
            return display;
        }

        private Task SendAsync(string message) =>
            _socket.SendAsync(Encoding.UTF8.GetBytes(message + Separator), WebSocketMessageType.Text, true, CancellationToken.None);

        private async Task ReadUntilAsync(string marker)
        {
            var buffer = new byte[64 * 1024];
            var text = new StringBuilder();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (!text.ToString().Contains(marker, StringComparison.Ordinal))
            {
                var result = await _socket.ReceiveAsync(buffer, timeout.Token);
                text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            }
        }

        // A ping every 500 ms, as a live client sends: SignalR's own client timeout never fires for it.
        private async Task PingAsync()
        {
            using var every = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
            try
            {
                do await SendAsync("{\"type\":6}");
                while (await every.WaitForNextTickAsync(_stop.Token));
            }
            catch
            {
                Closed.TrySetResult();
            }
        }

        private TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<bool> ClosedAsync(TimeSpan within) => await Task.WhenAny(Closed.Task, Task.Delay(within)) == Closed.Task;

        public ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _socket.Abort();
            _socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
