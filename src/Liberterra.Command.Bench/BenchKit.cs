using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Liberterra.Command.Contracts;
using Npgsql;

namespace Liberterra.Command.Bench;

// The machinery every benchmark shares: open-loop load, the two floors, a wall that records arrivals, statistics,
// the bare hub's process and a process's CPU and memory.

internal sealed record Stats(int Count, double P50, double P99, double Max)
{
    public static Stats Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return new Stats(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Length == 0 ? double.NaN : sorted[^1]);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}


/// <summary>One display on the live hub: records when each sequence number arrived, and repeats.</summary>
internal sealed class WallClient : IAsyncDisposable
{
    private readonly HubConnection _hub;
    private readonly Dictionary<long, long> _arrivals = new(100_000);
    private long _duplicates;

    private WallClient(HubConnection hub)
    {
        _hub = hub;
        // Only the sequence number is read: the rest of each delta is parsed and skipped, as cheaply as the client allows.
        hub.On<SeqOnly[]>(HubMessages.Deltas, batch =>
        {
            var now = Stopwatch.GetTimestamp();
            lock (_arrivals)
            {
                foreach (var d in batch)
                    if (!_arrivals.TryAdd(d.Seq, now)) _duplicates++;
            }
        });
    }

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public bool Has(long seq)
    {
        lock (_arrivals) return _arrivals.ContainsKey(seq);
    }

    public long? Received(long seq)
    {
        lock (_arrivals) return _arrivals.TryGetValue(seq, out var at) ? at : null;
    }

    /// <summary>
    /// Waits (ten seconds at most) until every wall has every acknowledged report (seq → its POST's start), then gives
    /// the report-to-wall latencies of all (report, wall) pairs, the pairs that never arrived, and the repeats.
    /// </summary>
    public static async Task<(Stats ToWall, long Lost, long Duplicated)> CompletenessAsync(
        IReadOnlyList<WallClient> walls, IReadOnlyDictionary<long, long> sent, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10) && walls.Any(w => sent.Keys.Any(s => !w.Has(s))))
            await Task.Delay(100, ct);

        var toWall = new List<double>(sent.Count * walls.Count);
        long lost = 0, duplicated = 0;
        foreach (var w in walls)
        {
            duplicated += w.Duplicates;
            foreach (var (seq, at) in sent)
            {
                if (w.Received(seq) is { } got) toWall.Add(Stopwatch.GetElapsedTime(at, got).TotalMilliseconds);
                else lost++;
            }
        }

        return (Stats.Of(toWall), lost, duplicated);
    }

    public static async Task<WallClient> ConnectAsync(Uri hubUrl, string token, string operation, CancellationToken ct)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(hubUrl, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var wall = new WallClient(hub);
        await hub.StartAsync(ct);
        await hub.InvokeAsync<JsonElement>("JoinOperation", operation, ct);
        return wall;
    }

    public ValueTask DisposeAsync() => _hub.DisposeAsync();
}

internal sealed record SeqOnly(long Seq);


/// <summary>A field report as the benchmarks send it: its sequence number when acknowledged (201), else the error counted.</summary>
/// <summary>
/// The no-database reference of the storage and wall benchmarks: the same requests through a second server whose
/// storage is in memory (<c>Silo:Storage=Memory</c>, same signing key), which the durable path cannot beat.
/// </summary>
internal static class NoDatabase
{
    public static readonly Option<Uri?> Server = new("--memory-server")
    {
        Description = "A second server with Silo:Storage=Memory and the same signing key: every step also runs through it, with no database.",
        CustomParser = result =>
        {
            var text = result.Tokens[^1].Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri;
            result.AddError($"--memory-server must be an http or https address (got '{text}').");
            return null;
        },
    };

    /// <summary>A client for it with the same credential and timeout as <paramref name="like"/>; null without one.</summary>
    public static HttpClient? Client(Uri? address, HttpClient like) => address is null ? null
        : new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 2000 })
        {
            BaseAddress = address,
            Timeout = like.Timeout,
            DefaultRequestHeaders = { Authorization = like.DefaultRequestHeaders.Authorization },
        };
}

internal static class FieldReports
{
    public static async Task<long?> PostAsync(HttpClient http, string? token, string operation, string team, string key, object body,
        ErrorTally errors, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/operations/{operation}/teams/{team}/reports") { Content = JsonContent.Create(body) };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", key);
        try
        {
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode == System.Net.HttpStatusCode.Created)
                return (await response.Content.ReadFromJsonAsync<SeqOnly>(ct))!.Seq;
            var problem = await response.Content.ReadAsStringAsync(ct);
            errors.Add($"{(int)response.StatusCode} {problem[..Math.Min(problem.Length, 160)]}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            errors.Add($"connection: {e.Message}");
        }

        return null;
    }
}

internal static class Floors
{
    public static async Task EnsureRawTable(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var create = db.CreateCommand(
            "CREATE TABLE IF NOT EXISTS bench_raw_insert (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), payload jsonb NOT NULL)");
        await create.ExecuteNonQueryAsync(ct);
    }

    public static async Task<Stats> RawInsertFloor(NpgsqlDataSource db, int rate, TimeSpan warmup, TimeSpan duration, CancellationToken ct)
    {
        var latencies = new ConcurrentBag<double>();
        var measuring = false;
        await Load.OpenLoop(rate, warmup, duration, m => measuring = m, async _ =>
        {
            var measured = Volatile.Read(ref measuring);
            var started = Stopwatch.GetTimestamp();
            await using var cmd = db.CreateCommand("INSERT INTO bench_raw_insert (payload) VALUES ($1::jsonb)");
            cmd.Parameters.Add(new NpgsqlParameter { Value = RawPayload });
            await cmd.ExecuteNonQueryAsync(ct);
            if (measured) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }, null, ct);
        return Stats.Of(latencies);
    }

    public static readonly string RawPayload = JsonSerializer.Serialize(new
    {
        kind = "FieldReported", report = new { status = (string?)null, counts = new { children = 1, women = 0, men = 0, arrested = 1 }, exploitationTypes = Array.Empty<string>(), position = (object?)null, note = (string?)null },
    });

    // About the size of a delta as walls receive it (the event, its team, its region and the totals).
    public static readonly string BroadcastPayload = new('x', 1200);

    public static async Task<Stats> BroadcastFloor(Uri echo, int rate, int walls, TimeSpan warmup, TimeSpan duration, CancellationToken ct)
    {
        var listeners = new List<HubConnection>();
        var arrivals = new ConcurrentDictionary<long, ConcurrentBag<long>>();
        await using var publisher = new HubConnectionBuilder().WithUrl(new Uri(echo, EchoHubServer.Path)).Build();
        try
        {
            for (var i = 0; i < walls; i++)
            {
                var listener = new HubConnectionBuilder().WithUrl(new Uri(echo, EchoHubServer.Path)).Build();
                listener.On<long, string>("m", (seq, _) => arrivals.GetOrAdd(seq, _ => []).Add(Stopwatch.GetTimestamp()));
                await listener.StartAsync(ct);
                await listener.InvokeAsync("Listen", ct);
                listeners.Add(listener);
            }

            await publisher.StartAsync(ct);
            var sent = new ConcurrentDictionary<long, long>();
            var measuring = false;
            await Load.OpenLoop(rate, warmup, duration, m => measuring = m, async i =>
            {
                var measured = Volatile.Read(ref measuring);
                var started = Stopwatch.GetTimestamp();
                if (measured) sent[i] = started;
                await publisher.SendAsync("Publish", i, BroadcastPayload, ct);
            }, null, ct);
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(5) && sent.Keys.Any(s => !arrivals.TryGetValue(s, out var a) || a.Count < walls))
                await Task.Delay(50, ct);
            return Stats.Of(sent.SelectMany(s => arrivals.TryGetValue(s.Key, out var a)
                ? a.Select(at => Stopwatch.GetElapsedTime(s.Value, at).TotalMilliseconds)
                : []));
        }
        finally
        {
            foreach (var l in listeners) await l.DisposeAsync();
        }
    }

}

internal static class Load
{
    /// <summary>
    /// Open loop: operation i starts at t0 + i / rate whether or not earlier ones have finished (a slow server gets
    /// more concurrent requests, not fewer), warm-up first, then the measured window. Returns the measured time.
    /// </summary>
    public static async Task<(TimeSpan Elapsed, long Started)> OpenLoop(int rate, TimeSpan warmup, TimeSpan duration, Action<bool> setMeasuring,
        Func<long, Task> operation, ProcessUsage? usage, CancellationToken ct)
    {
        var inFlight = new ConcurrentDictionary<long, Task>();
        var clock = Stopwatch.StartNew();
        var total = warmup + duration;
        long i = 0;
        var measuredFrom = TimeSpan.Zero;
        var started = false;
        while (clock.Elapsed < total)
        {
            if (!started && clock.Elapsed >= warmup)
            {
                started = true;
                measuredFrom = clock.Elapsed;
                setMeasuring(true);
                usage?.Start();
            }

            // Launch everything that is due by now; then sleep until the next is due (Task.Delay is ~1 ms coarse).
            var due = (long)(clock.Elapsed.TotalSeconds * rate);
            for (; i <= due; i++)
            {
                var n = i;
                var task = Task.Run(() => operation(n), ct);
                inFlight[n] = task;
                _ = task.ContinueWith(_ => inFlight.TryRemove(n, out Task? _), TaskScheduler.Default);
            }

            if (i % 64 == 0) usage?.Sample();
            await Task.Delay(1, ct);
        }

        setMeasuring(false);
        var elapsed = clock.Elapsed - measuredFrom;
        usage?.Stop();
        await Task.WhenAll(inFlight.Values);
        return (elapsed, i);
    }

}

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


/// <summary>
/// Server processes' CPU use over the measured window (summed: 200% is two cores busy), the highest resident memory
/// any one of them reached while sampled, and each one's lifetime peak (VmHWM). Linux /proc.
/// </summary>
internal sealed class ProcessUsage(params int[] pids)
{
    private static readonly double TicksPerSecond = 100;   // USER_HZ on Linux
    private double _cpuAtStart;
    private long _started;
    private double _cpuSeconds;
    private TimeSpan _wall;
    private long _peakRssKb;

    public double? CpuPercent => _wall > TimeSpan.Zero ? _cpuSeconds / _wall.TotalSeconds * 100 : null;

    /// <summary>The highest resident set of one process seen while sampling.</summary>
    public double PeakRssMb => _peakRssKb / 1024.0;

    /// <summary>The highest resident set any of the processes ever had, from the kernel's own record (VmHWM).</summary>
    public double LifetimePeakMb => pids.Max(p => Status(p, "VmHWM:")) / 1024.0;

    public void Start()
    {
        _cpuAtStart = CpuSeconds();
        _started = Stopwatch.GetTimestamp();
    }

    public void Sample()
    {
        foreach (var pid in pids)
        {
            var rss = Status(pid, "VmRSS:");
            if (rss > _peakRssKb) _peakRssKb = rss;
        }
    }

    public void Stop()
    {
        _cpuSeconds = CpuSeconds() - _cpuAtStart;
        _wall = Stopwatch.GetElapsedTime(_started);
        Sample();
    }

    private double CpuSeconds()
    {
        double total = 0;
        foreach (var pid in pids)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                total += (long.Parse(fields[11]) + long.Parse(fields[12])) / TicksPerSecond;   // utime + stime
            }
            catch (IOException) { }
        }

        return total;
    }

    private static long Status(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        catch (IOException) { }
        return 0;
    }
}

/// <summary>Errors by kind (status and the start of the problem, or the connection failure), counted.</summary>
internal sealed class ErrorTally
{
    private readonly ConcurrentDictionary<string, int> _kinds = new();

    public int Total => _kinds.Values.Sum();

    public IReadOnlyDictionary<string, int> Kinds => new SortedDictionary<string, int>(_kinds);

    public void Add(string kind) => _kinds.AddOrUpdate(kind, 1, (_, n) => n + 1);
}
