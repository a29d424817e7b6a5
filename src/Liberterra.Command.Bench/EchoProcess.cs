using System.Diagnostics;

namespace Liberterra.Command.Bench;

/// <summary>The bare hub in a child process (this same program, <c>liberterra-bench echo-hub</c>).</summary>
internal sealed class EchoProcess : IAsyncDisposable
{
    private readonly Process _process;

    private EchoProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<EchoProcess> StartAsync(CancellationToken ct)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        // Run as "dotnet liberterra-bench.dll" or as the apphost, whichever this is.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(typeof(WallBenchmark).Assembly.Location);
        foreach (var a in new[] { "echo-hub", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) }) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var echo = new EchoProcess(process, new Uri($"http://127.0.0.1:{port}"));
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        for (var i = 0; i < 100; i++)
        {
            try
            {
                var negotiate = await probe.PostAsync(new Uri(echo.Address, EchoHubServer.Path + "/negotiate?negotiateVersion=1"), null, ct);
                if (negotiate.IsSuccessStatusCode) return echo;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100, ct);
        }

        await echo.DisposeAsync();
        throw new InvalidOperationException("The bare SignalR hub did not start.");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
