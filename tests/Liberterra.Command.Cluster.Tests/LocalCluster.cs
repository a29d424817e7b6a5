using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Cluster.Tests;

/// <summary>
/// The real <c>deploy/cluster.sh</c>: silos as processes clustered through PostgreSQL, nginx in front. The test's
/// own build of the server and CLI is used, and its own database; ports are free ones of this machine.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;
    private readonly string _folder;

    private LocalCluster(Dictionary<string, string> environment, string folder, int balancerPort, int httpBase, int siloBase)
    {
        _environment = environment;
        _folder = folder;
        Balancer = new Uri($"http://127.0.0.1:{balancerPort}");
        HttpBase = httpBase;
        SiloPortBase = siloBase;
    }

    public Uri Balancer { get; }

    public int HttpBase { get; }

    public int SiloPortBase { get; }

    /// <summary>Silo <paramref name="i"/>'s own HTTP address (1-based, as the script numbers them).</summary>
    public Uri Silo(int i) => new($"http://127.0.0.1:{HttpBase + i}");

    /// <summary>The silo number behind an upstream address the balancer reports (<c>127.0.0.1:port</c>).</summary>
    public int SiloOfUpstream(string upstream) => int.Parse(upstream[(upstream.LastIndexOf(':') + 1)..]) - HttpBase;

    /// <summary>Whether an Orleans silo address (<c>S127.0.0.1:11112:...</c>) is silo <paramref name="i"/>.</summary>
    public bool IsSilo(string siloAddress, int i) => siloAddress.Contains($":{SiloPortBase + i}:", StringComparison.Ordinal);

    public static async Task<LocalCluster> StartAsync(string connectionString, int silos, string siloArguments)
    {
        var folder = Directory.CreateTempSubdirectory("liberterra-cluster-").FullName;
        var key = Path.Combine(folder, "signing.key");
        await File.WriteAllTextAsync(key, TestAuth.KeyBase64);
        int balancer = Ports.Free(), http = FreeRange(6), silo = FreeRange(6), gateway = FreeRange(6);
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Liberterra"] = connectionString,
            ["LIBERTERRA_BIN"] = AppContext.BaseDirectory,
            ["LIBERTERRA_CLI"] = Repository.Cli,
            ["LIBERTERRA_CLUSTER_DIR"] = folder,
            ["LIBERTERRA_SIGNING_KEY_FILE"] = key,
            ["LIBERTERRA_PORT"] = balancer.ToString(),
            ["LIBERTERRA_SILO_HTTP_BASE"] = http.ToString(),
            ["LIBERTERRA_SILO_PORT_BASE"] = silo.ToString(),
            ["LIBERTERRA_GATEWAY_PORT_BASE"] = gateway.ToString(),
            ["LIBERTERRA_MAX_SILOS"] = "5",
            ["LIBERTERRA_SILO_ARGS"] = $"--RateLimits:PermitsPerSecond=1000000 --RateLimits:Burst=1000000 {siloArguments}",
        };
        var cluster = new LocalCluster(environment, folder, balancer, http, silo);
        try
        {
            await cluster.Script("start", silos.ToString());
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public Task Kill(int i) => Script("kill", i.ToString());

    public Task Add() => Script("add");

    public async Task<string> Script(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Repository.Root, "deploy", "cluster.sh"));
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in _environment) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"cluster.sh {string.Join(' ', args)} exited {process.ExitCode}:\n{output}\n{Logs()}");
        return output;
    }

    /// <summary>Silo <paramref name="i"/>'s log as written so far.</summary>
    public string[] LogOf(int i)
    {
        using var stream = new FileStream(Path.Combine(_folder, $"silo-{i}.log"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n');
    }

    /// <summary>The end of every silo's and the balancer's log, for a failure message.</summary>
    public string Logs() => string.Concat(Directory.EnumerateFiles(_folder, "*.log").Order().Select(f =>
        $"--- {Path.GetFileName(f)}\n{string.Join('\n', File.ReadLines(f).TakeLast(30))}\n"));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Script("stop");
        }
        finally
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>The first of <paramref name="count"/> consecutive ports all free on loopback right now.</summary>
    private static int FreeRange(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            // Below the kernel's ephemeral range (32768 and up here), so that no outgoing connection takes a port
            // the script hands to a silo started later.
            var first = Random.Shared.Next(10_000, 32_000 - count);
            var listeners = new List<TcpListener>();
            try
            {
                for (var p = first; p < first + count; p++)
                {
                    var l = new TcpListener(IPAddress.Loopback, p);
                    l.Start();
                    listeners.Add(l);
                }

                return first;
            }
            catch (SocketException)
            {
            }
            finally
            {
                foreach (var l in listeners) l.Stop();
            }
        }

        throw new InvalidOperationException("No range of free ports found.");
    }
}
