using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Liberterra.Command.Contracts;

namespace Liberterra.Command.Bench;

/// <summary>
/// <c>liberterra-bench tak</c>: N TAK devices, one per team of a generated operation, each enrolled through the API (its
/// data package: client certificate, trust store, their password and the endpoint's address) and connected to the CoT
/// endpoint over TLS as ATAK connects, report their position every <c>--interval</c> seconds (open loop, the devices
/// spread evenly over the interval; with <c>--stagger</c>, starting one after another as a fleet that connected over time
/// does, so that the server's per-team sampling windows are spread too) while M walls watch over SignalR. Each position is distinct (its report's number is
/// in the latitude), so its arrival on every wall is matched to the moment its device wrote it. Every device reads (and
/// drops) what the server streams it: every team change, to every device. Measured: positions sent, committed (the
/// timeline's PositionReported events of the measured positions: with <c>Tak:SampleSeconds</c> above 0 the server keeps
/// at most one per team in that time), seen on every wall, lost; position-to-wall latency; devices the server cut off
/// as too slow; the server's CPU per committed and per received position, and its memory. One server setting per run:
/// <c>deploy/bench.sh tak</c> runs <c>Tak:SampleSeconds=0</c> (every position stored and pushed) and the default, and
/// compares them.
/// </summary>
internal static class TakBenchmark
{
    public static System.CommandLine.Command Create()
    {
        var devices = new Option<int>("--devices") { Description = "TAK devices, one per team of the generated operation.", DefaultValueFactory = _ => 500 };
        var interval = new Option<double>("--interval") { Description = "Seconds between two positions of one device (ATAK sends every 2-180 s).", DefaultValueFactory = _ => 2 };
        var walls = new Option<int>("--walls") { Description = "Walls connected over SignalR.", DefaultValueFactory = _ => 20 };
        var seconds = new Option<int>("--seconds") { Description = "Measured seconds.", DefaultValueFactory = _ => 60 };
        var warmup = new Option<int>("--warmup")
        {
            Description = "Seconds of positions before the measured ones (JIT, pools, the devices' first picture; not measured).",
            DefaultValueFactory = _ => 15,
        };
        var enrolling = new Option<int>("--enrol-parallel") { Description = "Devices enrolled at a time (the server makes a 2048-bit RSA key for each).", DefaultValueFactory = _ => 8 };
        var sampleSeconds = new Option<int?>("--sample-seconds") { Description = "The server's Tak:SampleSeconds, written with the results (the benchmark cannot read it)." };
        var stagger = new Option<double?>("--stagger")
        {
            Description = "The devices start reporting one after another over this many seconds, before the warm-up, as a fleet that connected over time " +
                          "(so that the server's per-team sampling windows are spread, not all due in the same interval). Default: --sample-seconds, else 0.",
        };
        var serverPid = new Option<int?>("--server-pid") { Description = "The server's process id, for its CPU and memory." };
        var dbPid = new Option<int?>("--db-pid") { Description = "The PostgreSQL postmaster's process id: its processes' CPU is reported beside the server's." };
        var label = new Option<string>("--label") { Description = "A label for the results (e.g. \"every position\").", DefaultValueFactory = _ => "" };
        var json = new Option<FileInfo?>("--json") { Description = "Write the results as JSON to this file." };
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Write the results as a Markdown table to this file." };
        var command = new System.CommandLine.Command("tak", "TAK devices reporting their positions over the CoT endpoint while walls watch: position-to-wall latency and the server's CPU per position.")
        {
            devices, interval, walls, seconds, warmup, enrolling, sampleSeconds, stagger, serverPid, dbPid, label, json, markdown,
        };
        command.SetAction((parse, ct) => Run(parse, new Settings(
            parse.GetValue(devices), parse.GetValue(interval), parse.GetValue(walls), TimeSpan.FromSeconds(parse.GetValue(seconds)),
            TimeSpan.FromSeconds(parse.GetValue(warmup)), parse.GetValue(enrolling), parse.GetValue(sampleSeconds), parse.GetValue(serverPid),
            parse.GetValue(dbPid), parse.GetValue(label)!, parse.GetValue(stagger) ?? parse.GetValue(sampleSeconds) ?? 0), parse.GetValue(json), parse.GetValue(markdown), ct));
        return command;
    }

    private sealed record Settings(int Devices, double Interval, int Walls, TimeSpan Duration, TimeSpan Warmup, int EnrolParallel,
        int? SampleSeconds, int? ServerPid, int? DatabasePid, string Label, double Stagger)
    {
        public double Rate => Devices / Interval;
    }

    private static async Task<int> Run(ParseResult parse, Settings settings, FileInfo? jsonFile, FileInfo? markdownFile, CancellationToken ct)
    {
        var server = parse.GetValue(ServerOptions.Server)!;
        var token = ServerOptions.TokenOf(parse);
        if (string.IsNullOrWhiteSpace(token))
        {
            await Console.Error.WriteLineAsync("liberterra-bench tak: an admin credential is required (to define the operation, enrol the devices and issue the walls' credential).");
            return 2;
        }

        if (settings.Devices is < 1 or >= MaxDevices || settings.Interval <= 0 || settings.Walls < 1 || settings.EnrolParallel < 1 || settings.Stagger < 0)
        {
            await Console.Error.WriteLineAsync($"liberterra-bench tak: --devices from 1 to {MaxDevices - 1:N0}, --interval above 0, at least one wall, --enrol-parallel at least 1, --stagger not below 0.");
            return 2;
        }

        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(30) })
        {
            BaseAddress = server,
            Timeout = TimeSpan.FromMinutes(2),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var usage = settings.ServerPid is { } pid ? new ProcessUsage(pid) : null;
        var database = settings.DatabasePid is { } postmaster ? ProcessUsage.OfProcessTree(postmaster) : null;

        Console.WriteLine($"{Environment.ProcessorCount} cores; {settings.Devices:N0} TAK devices (one per team), a position every {settings.Interval:0.##} s each " +
                          $"({settings.Rate:N0}/s), {settings.Walls} walls; {settings.Duration.TotalSeconds:0} s measured after {settings.Warmup.TotalSeconds:0} s warm-up" +
                          (settings.Stagger > 0 ? $" (the devices starting one after another over the {settings.Stagger:0.##} s before it)" : "") + "; open loop; " +
                          $"server Tak:SampleSeconds={(settings.SampleSeconds is { } s ? s.ToString(CultureInfo.InvariantCulture) : "(not given)")}");
        var operation = await EndToEndBenchmark.DefineOperation(http, token, EndToEndBenchmark.Generated(settings.Devices), ct);

        // Enrolment, as command staff does it: a data package per device, each with a key the server generates.
        var clock = Stopwatch.StartNew();
        var packages = new Package[settings.Devices];
        await Parallel.ForEachAsync(Enumerable.Range(0, settings.Devices), new ParallelOptions { MaxDegreeOfParallelism = settings.EnrolParallel, CancellationToken = ct },
            async (d, c) => packages[d] = await Enrol(http, operation, d, c));
        var enrolSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"enrolled {settings.Devices:N0} devices in {enrolSeconds:N1} s ({enrolSeconds * 1000 / settings.Devices:N0} ms each, {settings.EnrolParallel} at a time); " +
                          $"CoT endpoint {packages[0].Host}:{packages[0].Port} (from the data package)");

        var wallToken = await EndToEndBenchmark.Issue(http, token, "bench-tak-wall", "wall", [], operation, ct);
        var walls = new List<WallClient>();
        var fleet = packages.Select(p => new Device(p)).ToArray();
        var traffic = new Traffic();
        var errors = new ErrorTally();
        using var stop = new CancellationTokenSource();
        var kept = new List<Task>();
        try
        {
            for (var i = 0; i < settings.Walls; i++)
                walls.Add(await WallClient.ConnectAsync(new Uri(server, HubMessages.Path), wallToken, operation, KeyOf, ct));

            // Every device connects (16 handshakes at a time) and from then on reads what the server sends it.
            clock.Restart();
            using var opening = new SemaphoreSlim(16);
            kept.AddRange(fleet.Select(device => Task.Run(() => Keep(device, traffic, errors, opening, stop.Token), CancellationToken.None)));
            try
            {
                await Task.WhenAll(fleet.Select(d => d.Connected.Task)).WaitAsync(TimeSpan.FromMinutes(3), ct);
            }
            catch (TimeoutException)
            {
                await Console.Error.WriteLineAsync($"liberterra-bench tak: only {fleet.Count(d => d.Connected.Task.IsCompleted):N0} of {fleet.Length:N0} devices connected in 3 minutes " +
                                                   $"({string.Join(", ", errors.Kinds.Select(e => $"{e.Key} x{e.Value}"))}).");
                return 1;
            }

            var connectSeconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"{fleet.Length:N0} devices connected over TLS in {connectSeconds:N1} s");

            // Each device is sent the operation's regions and teams first: that is let through before anything is
            // measured, and then the server's CPU at rest (connections and walls open, nothing sent) for five seconds.
            var greeting = await QuietAsync(traffic, ct);
            Console.WriteLine($"their first picture: {greeting.Events:N0} CoT events ({greeting.Bytes / 1e6:N1} MB) in {clock.Elapsed.TotalSeconds:N1} s since the first connection");
            double? idle = usage is null ? null : await usage.CpuPercentOver(TimeSpan.FromSeconds(5), ct);
            if (idle is { } rest) Console.WriteLine($"server CPU at rest: {rest:N1}%");

            var sent = new ConcurrentDictionary<long, long>();   // position key → the moment its device wrote it (measured only)
            var measuring = false;
            Traffic.Counts atStart = default, atEnd = default;
            var (elapsed, _) = await Load.OpenLoop(settings.Rate, TimeSpan.FromSeconds(settings.Stagger) + settings.Warmup, settings.Duration, m =>
            {
                if (m) atStart = traffic.Now();
                else atEnd = traffic.Now();
                measuring = m;
            }, async i =>
            {
                var measured = Volatile.Read(ref measuring);
                var device = fleet[i % fleet.Length];
                var report = i / fleet.Length;
                // Staggered: device d reports from d/N of the stagger on (its first reports are not made at all).
                if (i / settings.Rate < device.Package.Index * settings.Stagger / fleet.Length) return;
                if (device.Stream is not { } tls)
                {
                    errors.Add("not sent: the device is not connected (cut off, reconnecting)");
                    return;
                }

                // One write at a time on a stream: a device still writing its last position skips this one, as a phone would.
                if (Interlocked.Exchange(ref device.Writing, 1) == 1)
                {
                    errors.Add("not sent: the device's previous position was still being written");
                    return;
                }

                try
                {
                    var pli = Pli(device.Package.Index, report, DateTimeOffset.UtcNow);
                    var started = Stopwatch.GetTimestamp();
                    await tls.WriteAsync(pli, ct);
                    if (measured) sent[Key(device.Package.Index, report)] = started;
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    errors.Add($"write failed: {e.GetType().Name}");
                }
                finally
                {
                    Volatile.Write(ref device.Writing, 0);
                }
            }, usage, ct, database);

            // The server may still be working off positions: the timeline is read until it stops growing.
            var committedKeys = await CommittedAsync(http, operation, ct);
            var committed = sent.Where(s => committedKeys.Contains(s.Key)).ToDictionary(s => s.Key, s => s.Value);
            var (toWall, lost, duplicated) = await WallClient.CompletenessAsync(walls, committed, ct);
            var seenOnAnyWall = committed.Keys.Count(k => walls.Any(w => w.Has(k)));
            var window = elapsed.TotalSeconds;
            var cpu = usage?.CpuSeconds;
            var aboveIdle = cpu is { } total && idle is { } atRest ? total - atRest / 100 * window : (double?)null;
            var result = new Result(DateTimeOffset.UtcNow, Environment.ProcessorCount, settings.Label, settings.SampleSeconds, settings.Devices, settings.Interval,
                settings.Walls, window, enrolSeconds, connectSeconds, sent.Count, sent.Count / window, committed.Count, committedKeys.Count, toWall, seenOnAnyWall,
                lost, duplicated, errors.Total, errors.Kinds, traffic.Now().CutOff, atEnd.CutOff - atStart.CutOff,
                (atEnd.Events - atStart.Events) / window, (atEnd.Bytes - atStart.Bytes) / window / 1_000_000,
                usage?.CpuPercent, usage?.PeakRssMb, usage?.LifetimePeakMb, database?.CpuPercent,
                cpu is { } c1 && committed.Count > 0 ? c1 * 1000 / committed.Count : null,
                cpu is { } c2 && !sent.IsEmpty ? c2 * 1000 / sent.Count : null,
                cpu is { } c3 && database is not null && committed.Count > 0 ? (c3 + database.CpuSeconds) * 1000 / committed.Count : null,
                idle, aboveIdle is { } a1 && committed.Count > 0 ? a1 * 1000 / committed.Count : null, aboveIdle is { } a2 && !sent.IsEmpty ? a2 * 1000 / sent.Count : null,
                settings.Stagger, settings.Warmup.TotalSeconds);

            Console.WriteLine(result.Line());
            foreach (var (kind, count) in result.Errors.OrderByDescending(e => e.Value))
                Console.WriteLine($"error x{count}: {kind}");
            var table = Markdown([result]);
            Console.WriteLine();
            Console.WriteLine(table);
            if (markdownFile is not null) await File.WriteAllTextAsync(markdownFile.FullName, table, ct);
            if (jsonFile is not null) await File.WriteAllTextAsync(jsonFile.FullName, JsonSerializer.Serialize(result, BenchJson.Results), ct);
            return result.Complete ? 0 : 1;
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(kept);
            foreach (var w in walls) await w.DisposeAsync();
        }
    }

    // ------------------------------------------------------------------ the devices

    /// <summary>What a device takes from its data package: its team, where to connect, its client certificate and the CA to trust.</summary>
    private sealed record Package(int Index, string Host, int Port, SslStreamCertificateContext Client, X509Certificate2 Ca);

    private sealed class Device(Package package)
    {
        public Package Package { get; } = package;

        /// <summary>The open connection; null while (re)connecting.</summary>
        public SslStream? Stream { get => Volatile.Read(ref _stream); set => Volatile.Write(ref _stream, value); }

        private SslStream? _stream;

        /// <summary>1 while a position is being written.</summary>
        public int Writing;

        public TaskCompletionSource Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>What the devices received (CoT events and bytes), and how often the server cut one off.</summary>
    private sealed class Traffic
    {
        public long Events;
        public long Bytes;
        public long CutOff;

        public readonly record struct Counts(long Events, long Bytes, long CutOff);

        public Counts Now() => new(Interlocked.Read(ref Events), Interlocked.Read(ref Bytes), Interlocked.Read(ref CutOff));
    }

    private const int MaxDevices = 100_000;

    private static string Team(int device) => $"T{device:D5}";   // EndToEndBenchmark.Generated's team ids

    /// <summary>A POST of the enrolment API, and the data package it returns unpacked as ATAK reads it.</summary>
    private static async Task<Package> Enrol(HttpClient http, string operation, int device, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync($"/api/operations/{operation}/tak/devices", new { teamId = Team(device), device = $"bench device {device}" }, ct);
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"Enrolling a device for {Team(device)}: {await Problems.Describe(response)}");
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync(ct)));
        Dictionary<string, string> prefs;
        await using (var file = zip.Entries.Single(e => e.FullName.EndsWith(".pref", StringComparison.Ordinal)).Open())
            prefs = (await XDocument.LoadAsync(file, LoadOptions.None, ct)).Descendants("entry").ToDictionary(e => (string)e.Attribute("key")!, e => e.Value);
        byte[] Store(string location)
        {
            using var stream = zip.Entries.Single(e => e.FullName.EndsWith("/" + Path.GetFileName(location), StringComparison.Ordinal)).Open();
            using var bytes = new MemoryStream();
            stream.CopyTo(bytes);
            return bytes.ToArray();
        }

        var client = X509CertificateLoader.LoadPkcs12Collection(Store(prefs["certificateLocation"]), prefs["clientPassword"]).Single(c => c.HasPrivateKey);
        var ca = X509CertificateLoader.LoadPkcs12Collection(Store(prefs["caLocation"]), prefs["caPassword"]).Single();
        var connect = prefs["connectString0"].Split(':');   // host:port:ssl
        return new Package(device, connect[0], int.Parse(connect[1], CultureInfo.InvariantCulture),
            SslStreamCertificateContext.Create(client, null, offline: true), ca);
    }

    /// <summary>
    /// A device's connection for the whole run: connected, it reads everything the server sends; cut off (by the server,
    /// as too slow), it connects again a second later, as ATAK does, and is sent the picture again.
    /// </summary>
    private static async Task Keep(Device device, Traffic traffic, ErrorTally errors, SemaphoreSlim opening, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                SslStream tls;
                await opening.WaitAsync(stop);
                try
                {
                    tls = await Open(device.Package, stop);
                }
                catch (Exception e) when (e is IOException or SocketException or AuthenticationException or OperationCanceledException && !stop.IsCancellationRequested)
                {
                    errors.Add($"connect failed: {e.GetType().Name}");
                    await Task.Delay(TimeSpan.FromSeconds(1), stop);
                    continue;
                }
                finally
                {
                    opening.Release();
                }

                device.Stream = tls;
                device.Connected.TrySetResult();
                await Drain(tls, traffic, stop);
                device.Stream = null;
                await tls.DisposeAsync();
                if (stop.IsCancellationRequested) return;
                Interlocked.Increment(ref traffic.CutOff);
                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private static async Task<SslStream> Open(Package package, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(package.Host, package.Port, timeout.Token);
            var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            var trust = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            trust.CustomTrustStore.Add(package.Ca);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = package.Host,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificateContext = package.Client,
                CertificateChainPolicy = trust,
            }, timeout.Token);
            return tls;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Waits until the devices have received nothing for a second (two minutes at most): what they got until then.</summary>
    private static async Task<Traffic.Counts> QuietAsync(Traffic traffic, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        var last = traffic.Now();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var now = traffic.Now();
            if (now.Events == last.Events) break;
            last = now;
        }

        return last;
    }

    private static readonly byte[] EventEnd = "</event>"u8.ToArray();

    /// <summary>Reads until the connection ends, counting the CoT events (an event ends with &lt;/event&gt;) and bytes.</summary>
    private static async Task Drain(SslStream tls, Traffic traffic, CancellationToken stop)
    {
        var buffer = new byte[32 * 1024];
        var carry = 0;   // the end of the last read that may be the start of an event's end
        try
        {
            int read;
            while ((read = await tls.ReadAsync(buffer.AsMemory(carry), stop)) > 0)
            {
                var rest = buffer.AsSpan(0, carry + read);
                long events = 0;
                for (int at; (at = rest.IndexOf(EventEnd)) >= 0; rest = rest[(at + EventEnd.Length)..]) events++;
                carry = Math.Min(rest.Length, EventEnd.Length - 1);
                rest[^carry..].CopyTo(buffer);
                Interlocked.Add(ref traffic.Events, events);
                Interlocked.Add(ref traffic.Bytes, read);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Cut off, or the run is over.
        }
    }

    // ------------------------------------------------------------------ positions

    /// <summary>A position's key: its device and the number of its report (both read back from the team and the position on a wall).</summary>
    private static long Key(int device, long report) => device * MaxReports + report;

    private const long MaxReports = 1_000_000;
    private const double Step = 1e-5;   // degrees of latitude per report (about a metre)

    // Each device near its team's region's centroid (EndToEndBenchmark.Generated), moving north a step per report.
    private static (double Lat, double Lon) Position(int device, long report) =>
        (-40 + device % 20 * 4.0 + 0.01 + report * Step, -120 + device % 20 * 12.0 + device / 20 * 0.001);

    /// <summary>The key of a team's position as a wall (or the timeline) shows it; null if it is none of this benchmark's.</summary>
    private static long? KeyOf(string team, PositionView at)
    {
        if (team.Length < 2 || team[0] != 'T' || !int.TryParse(team.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var device)) return null;
        var report = Math.Round((at.Latitude - Position(device, 0).Lat) / Step);
        return report is >= 0 and < MaxReports ? Key(device, (long)report) : null;
    }

    /// <summary>A PLI as ATAK sends it (friendly ground unit), with an XML declaration, at <paramref name="now"/>.</summary>
    private static byte[] Pli(int device, long report, DateTimeOffset now)
    {
        var (lat, lon) = Position(device, report);
        var time = Iso(now);
        return Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><event version=\"2.0\" uid=\"bench-tak-{device:D5}\" type=\"a-f-G-U-C\" " +
            $"time=\"{time}\" start=\"{time}\" stale=\"{Iso(now.AddMinutes(5))}\" how=\"h-e\"><point lat=\"{lat:R}\" lon=\"{lon:R}\" hae=\"9999999.0\" " +
            $"ce=\"9999999.0\" le=\"9999999.0\"/><detail><contact callsign=\"{Team(device)}\"/><__group name=\"Cyan\" role=\"Team Member\"/>" +
            $"<status battery=\"90\"/><track course=\"0\" speed=\"0\"/></detail></event>"));
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private sealed record PositionEntry(long Seq, string? TeamId, PositionView? Position);

    private sealed record PositionPage(PositionEntry[] Events, long? Next);

    /// <summary>The keys of the positions the timeline holds, read until it has not grown for three seconds (a minute at most).</summary>
    private static async Task<HashSet<long>> CommittedAsync(HttpClient http, string operation, CancellationToken ct)
    {
        var keys = new HashSet<long>();
        long after = 0;
        var quiet = 0;
        var deadline = Stopwatch.StartNew();
        while (quiet < 3 && deadline.Elapsed < TimeSpan.FromMinutes(1))
        {
            var before = keys.Count;
            while (true)
            {
                var page = (await http.GetFromJsonAsync<PositionPage>($"/api/operations/{operation}/timeline?kind=PositionReported&limit=1000&after={after}", BenchJson.Results, ct))!;
                foreach (var e in page.Events)
                {
                    after = Math.Max(after, e.Seq);
                    if (e is { TeamId: { } team, Position: { } at } && KeyOf(team, at) is { } key) keys.Add(key);
                }

                if (page.Next is null) break;
            }

            quiet = keys.Count == before ? quiet + 1 : 0;
            if (quiet < 3) await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }

        return keys;
    }

    // ------------------------------------------------------------------ results

    internal sealed record Result(DateTimeOffset At, int Cores, string Label, int? SampleSeconds, int Devices, double IntervalSeconds, int Walls,
        double MeasuredSeconds, double EnrolSeconds, double ConnectSeconds, int Sent, double SentPerSecond, int Committed, int CommittedInRun,
        Stats ToWall, int SeenOnAnyWall, long Lost, long Duplicated, int ErrorCount, IReadOnlyDictionary<string, int> Errors, long CutOff,
        long CutOffMeasured, double EventsToDevicesPerSecond, double MbToDevicesPerSecond, double? ServerCpuPercent, double? ServerPeakRssMb,
        double? ServerLifetimePeakMb, double? DatabaseCpuPercent, double? CpuMsPerCommitted, double? CpuMsPerReceived, double? CpuMsPerCommittedWithDatabase,
        double? IdleCpuPercent = null, double? CpuMsPerCommittedAboveIdle = null, double? CpuMsPerReceivedAboveIdle = null, double StaggerSeconds = 0,
        double WarmupSeconds = 0)
    {
        /// <summary>Positions were committed, every one reached every wall once, nothing failed, nobody was cut off.</summary>
        public bool Complete => Committed > 0 && Lost == 0 && Duplicated == 0 && ErrorCount == 0 && CutOff == 0;

        public string Name => Label.Length > 0 ? Label : SampleSeconds is { } s ? $"Tak:SampleSeconds={s}" : "TAK";

        public string Line() =>
            $"{Name}: sent {Sent:N0} ({SentPerSecond:N0}/s), committed {Committed:N0}, on walls {ToWall.Count:N0} (wall, position) pairs, lost {Lost:N0}, dup {Duplicated:N0}, " +
            $"errors {ErrorCount:N0}, cut off {CutOff:N0} | position→wall p50 {ToWall.P50:N1} p90 {ToWall.P90:N1} p99 {ToWall.P99:N1} max {ToWall.Max:N1} ms" +
            (ServerCpuPercent is { } cpu ? $" | server CPU {cpu:N0}% peak RSS {ServerPeakRssMb:N0} MB" : "") +
            (DatabaseCpuPercent is { } dbCpu ? $" | PostgreSQL CPU {dbCpu:N0}%" : "") +
            (CpuMsPerCommitted is { } perCommitted ? $" | {perCommitted:N2} CPU ms per committed position, {CpuMsPerReceived:N2} per received" : "") +
            (IdleCpuPercent is { } idle ? $" (at rest {idle:N1}%; above it {Cell(CpuMsPerCommittedAboveIdle)} and {Cell(CpuMsPerReceivedAboveIdle)})" : "") +
            $" | to devices {EventsToDevicesPerSecond:N0} CoT events/s ({MbToDevicesPerSecond:N1} MB/s)";
    }

    private static string Cell(double? value, string format = "N2") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    /// <summary>One row per run (the <c>tak</c> benchmark's, and <c>compare tak</c>'s two).</summary>
    internal static string Markdown(IReadOnlyList<Result> results)
    {
        var b = new StringBuilder();
        foreach (var r in results)
            b.AppendLine($"- {r.Name}: {r.Devices:N0} TAK devices (one per team) x a position every {r.IntervalSeconds:0.##} s, {r.Walls} walls, {r.MeasuredSeconds:0} s measured after " +
                         $"{(r.StaggerSeconds > 0 ? $"the devices started one after another over {r.StaggerSeconds:0.##} s and " : "")}{r.WarmupSeconds:0} s warm-up, {r.Cores} cores; " +
                         $"enrolment {r.EnrolSeconds:N1} s ({r.EnrolSeconds * 1000 / r.Devices:N0} ms per device), all connected over TLS in {r.ConnectSeconds:N1} s" +
                         (r.ServerLifetimePeakMb is { } peak ? $"; server lifetime peak RSS {peak:N0} MB" : ""));
        b.AppendLine();
        b.AppendLine("| run | positions sent (/s) | committed | seen on walls (wall, position) | lost (not on a wall 10 s after the last commit) | dup | errors | devices cut off (in the window) | position→wall p50 / p90 / p99 / max ms | server CPU % (at rest) / peak RSS MB | PostgreSQL CPU % | CPU ms per committed position: server (above rest) / + PostgreSQL | CPU ms per received position: server (above rest) | to devices: CoT events/s (MB/s) |");
        b.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
            b.AppendLine($"| {r.Name} | {r.Sent:N0} ({r.SentPerSecond:N0}) | {r.Committed:N0} | {r.ToWall.Count:N0} | {r.Lost:N0} | {r.Duplicated:N0} | {r.ErrorCount:N0} | {r.CutOff:N0} ({r.CutOffMeasured:N0}) | " +
                         $"{r.ToWall.P50:N1} / {r.ToWall.P90:N1} / {r.ToWall.P99:N1} / {r.ToWall.Max:N0} | " +
                         (r.ServerCpuPercent is { } cpu ? $"{cpu:N0} ({Cell(r.IdleCpuPercent, "N0")}) / {r.ServerPeakRssMb:N0}" : "-") + $" | {Cell(r.DatabaseCpuPercent, "N0")} | " +
                         $"{Cell(r.CpuMsPerCommitted)} ({Cell(r.CpuMsPerCommittedAboveIdle)}) / {Cell(r.CpuMsPerCommittedWithDatabase)} | " +
                         $"{Cell(r.CpuMsPerReceived)} ({Cell(r.CpuMsPerReceivedAboveIdle)}) | {r.EventsToDevicesPerSecond:N0} ({r.MbToDevicesPerSecond:N1}) |");
        return b.ToString();
    }
}
