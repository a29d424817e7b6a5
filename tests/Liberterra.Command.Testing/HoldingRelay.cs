using System.Net;
using System.Net.Sockets;

namespace Liberterra.Command.Testing;

/// <summary>
/// A TCP relay on loopback in front of a server that can hold every connection's bytes, both ways, without closing
/// anything: what a proxy that stops forwarding, or a server frozen with SIGSTOP, looks like from a client. Released,
/// it forwards what it held and carries on.
/// </summary>
public sealed class HoldingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _accepting;
    private volatile TaskCompletionSource _open = Open();

    public HoldingRelay(Uri upstream)
    {
        _upstream = new IPEndPoint(IPAddress.Loopback, upstream.Port);
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients connect instead of the server.</summary>
    public Uri Address { get; }

    /// <summary>From now on no byte goes through, either way; connections stay open.</summary>
    public void Hold()
    {
        if (_open.Task.IsCompleted) _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>What was held goes through, and everything after it.</summary>
    public void Release() => _open.TrySetResult();

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            var server = new TcpClient();
            lock (_connections) _connections.AddRange([client, server]);
            _ = RelayAsync(client, server);
        }
    }

    private async Task RelayAsync(TcpClient client, TcpClient server)
    {
        try
        {
            await server.ConnectAsync(_upstream, _stop.Token);
            var a = client.GetStream();
            var b = server.GetStream();
            await Task.WhenAny(PumpAsync(a, b), PumpAsync(b, a));
        }
        catch (Exception)
        {
            // A side closed, or the relay stopped: end both.
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    private async Task PumpAsync(Stream from, Stream to)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var n = await from.ReadAsync(buffer, _stop.Token);
            if (n == 0) return;
            // Held: the bytes wait here, read but not passed on, until released.
            await _open.Task.WaitAsync(_stop.Token);
            await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Release();
        lock (_connections)
        {
            foreach (var c in _connections) c.Dispose();
        }

        await _accepting;
        _stop.Dispose();
    }
}
