using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Liberterra.Command.Contracts;
using Npgsql;

namespace Liberterra.Command.Bench;

/// <summary>
/// <c>liberterra-bench</c>: the whole path under open-loop load. N team leads, each signed in with their own
/// team-lead credential, post field reports at a fixed total rate to one or several silos; M walls (wall credentials)
/// are connected over SignalR, spread over the silos. For each step: acknowledged reports per second, report latency,
/// report-to-wall latency, completeness on every wall, errors by kind, the servers' CPU and memory; and in the same run,
/// at the same rate, the floors (a raw Npgsql one-row insert with commit, and a bare SignalR broadcast to M listeners),
/// every figure also as a ratio to its floor. <c>--step</c> searches the highest rate that keeps p99 report-to-wall
/// under a limit with nothing lost.
/// </summary>
internal static class EndToEndBenchmark
{

    public static void Configure(System.CommandLine.Command bench)
    {
        var servers = new Option<string?>("--servers") { Description = "Comma-separated silo URLs to spread leads and walls over (default: --server)." };
        var rates = new Option<string>("--rates") { Description = "Total reports per second, comma-separated: one measured step each.", DefaultValueFactory = _ => "1000" };
        var walls = new Option<int>("--walls") { Description = "Walls connected over SignalR.", DefaultValueFactory = _ => 20 };
        var leads = new Option<int>("--leads") { Description = "Team leads posting (each with its own credential, holding a share of the teams).", DefaultValueFactory = _ => 50 };
        var teams = new Option<int>("--teams") { Description = "Teams of the generated operation (ignored with --scenario).", DefaultValueFactory = _ => 200 };
        var scenario = new Option<FileInfo?>("--scenario") { Description = "Use this scenario's regions and teams (e.g. deploy/scenarios/liberterra-ii.json) instead of a generated operation." };
        var seconds = new Option<int>("--seconds") { Description = "Measured seconds per step.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up seconds per step (load runs, nothing is measured).", DefaultValueFactory = _ => 3 };
        var prime = new Option<int>("--prime") { Description = "Seconds of priming before the first step (JIT, pools, grains; not measured).", DefaultValueFactory = _ => 4 };
        var step = new Option<bool>("--step") { Description = "Step mode: from the first of --rates, raise the rate until p99 report-to-wall exceeds --p99-limit or anything is lost, then narrow down." };
        var limit = new Option<double>("--p99-limit") { Description = "Step mode: the p99 report-to-wall limit in ms.", DefaultValueFactory = _ => 100 };
        var maxRate = new Option<int>("--max-rate") { Description = "Step mode: never offer more than this.", DefaultValueFactory = _ => 20_000 };
        var pids = new Option<string?>("--server-pids") { Description = "The servers' process ids (comma-separated), for CPU and memory." };
        var dbPid = new Option<int?>("--db-pid") { Description = "The PostgreSQL postmaster's process id: its processes' CPU is counted with the servers' in the CPU per report." };
        var margin = new Option<double>("--floor-margin") { Description = "Step mode: a step also passes when its p99 report-to-wall is at most its own raw-insert p99 plus broadcast p99 plus this many ms (a stall the floors suffer too is not the product's).", DefaultValueFactory = _ => 50 };
        var label = new Option<string>("--label") { Description = "A label for the rows (e.g. \"1 silo\").", DefaultValueFactory = _ => "" };
        var agencies = new Option<int>("--agencies")
        {
            Description = "Need-to-know: the generated operation gets a coordination centre and this many agencies (teams round-robin; one shares " +
                          "counts only, one in full, the rest in summary), and every rate is measured twice in a row: every wall a coordinator's " +
                          "(one view), then the walls spread over the agencies (one view each); the CPU per report of the two is compared.",
            DefaultValueFactory = _ => 0,
        };
        var distress = new Option<int>("--distress") { Description = "Distress presses per step, spread over its measured seconds: press-to-alarm latency on every wall, under the reports' load.", DefaultValueFactory = _ => 0 };
        var json = new Option<FileInfo?>("--json") { Description = "Write the results as JSON to this file." };
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Write the results as a Markdown table to this file." };
        foreach (var o in new Option[] { DatabaseOptions.Connection, servers, rates, walls, leads, teams, scenario, seconds, warmup, prime, step, limit, maxRate, pids, dbPid, margin, label, distress, agencies, json, markdown })
            bench.Options.Add(o);
        bench.SetAction((parse, ct) =>
        {
            var settings = new Settings(
                (parse.GetValue(servers) is { Length: > 0 } list ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(u => new Uri(u)) : [parse.GetValue(ServerOptions.Server)!]).ToArray(),
                parse.GetValue(rates)!.Split(',').Select(r => int.Parse(r.Trim(), CultureInfo.InvariantCulture)).ToArray(),
                parse.GetValue(walls), parse.GetValue(leads), parse.GetValue(teams), parse.GetValue(scenario),
                TimeSpan.FromSeconds(parse.GetValue(seconds)), TimeSpan.FromSeconds(parse.GetValue(warmup)), TimeSpan.FromSeconds(parse.GetValue(prime)),
                parse.GetValue(step), parse.GetValue(limit), parse.GetValue(maxRate),
                parse.GetValue(pids) is { Length: > 0 } p ? p.Split(',').Select(x => int.Parse(x.Trim(), CultureInfo.InvariantCulture)).ToArray() : [],
                parse.GetValue(label)!, parse.GetValue(distress), parse.GetValue(dbPid), parse.GetValue(margin), parse.GetValue(agencies));
            return Run(parse, settings, parse.GetValue(json), parse.GetValue(markdown), ct);
        });
    }

    private sealed record Settings(Uri[] Servers, int[] Rates, int Walls, int Leads, int Teams, FileInfo? Scenario, TimeSpan Duration,
        TimeSpan Warmup, TimeSpan Prime, bool Step, double P99Limit, int MaxRate, int[] ServerPids, string Label, int Distress = 0,
        int? DatabasePid = null, double FloorMargin = 50, int Agencies = 0, string[]? WallAgencies = null)
    {
        /// <summary>The agency each wall acts for, round-robin (null: walls of the whole operation).</summary>
        public string? WallAgency(int wall) => WallAgencies is { Length: > 0 } list ? list[wall % list.Length] : null;

        /// <summary>The step mode's rule (docs/benchmarks.md): judged against the step's own floors.</summary>
        public bool Passes(Row row) => row.Passes(P99Limit, FloorMargin);
    }

    private static async Task<int> Run(ParseResult parse, Settings settings, FileInfo? jsonFile, FileInfo? markdownFile, CancellationToken ct)
    {
        var connection = DatabaseOptions.ConnectionOf(parse);
        var token = ServerOptions.TokenOf(parse);
        if (string.IsNullOrWhiteSpace(connection) || string.IsNullOrWhiteSpace(token))
        {
            await Console.Error.WriteLineAsync("liberterra-bench: --connection (the server's database, for the raw-insert floor) and an admin credential (to issue the leads' and walls' credentials) are required.");
            return 2;
        }

        if (settings.Scenario is { Exists: false } missing)
        {
            await Console.Error.WriteLineAsync($"liberterra-bench: no such scenario file: {missing.FullName}");
            return 2;
        }

        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));
        await using var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connection) { MaxPoolSize = 200 }.ConnectionString);
        await Floors.EnsureRawTable(db, ct);
        var clients = settings.Servers.Select(s => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 2000, PooledConnectionLifetime = TimeSpan.FromMinutes(30) })
        {
            BaseAddress = s,
            Timeout = TimeSpan.FromSeconds(30),
        }).ToArray();
        var admin = clients[0];
        admin.DefaultRequestHeaders.Authorization = null;
        await using var echo = await EchoProcess.StartAsync(ct);
        if (settings.Agencies > 0 && (settings.Scenario is not null || settings.Step))
        {
            await Console.Error.WriteLineAsync("liberterra-bench: --agencies compares views on a generated operation at fixed --rates (no --scenario, no --step).");
            return 2;
        }

        var definition = settings.Scenario is { } file ? JsonNode.Parse(await File.ReadAllTextAsync(file.FullName, ct))!.AsObject() : Generated(settings.Teams, settings.Agencies);
        var usage = settings.ServerPids.Length > 0 ? new ProcessUsage(settings.ServerPids) : null;
        var database = settings.DatabasePid is { } postmaster ? ProcessUsage.OfProcessTree(postmaster) : null;

        Console.WriteLine($"{Environment.ProcessorCount} cores; {settings.Servers.Length} silo(s): {string.Join(", ", settings.Servers.Select(s => s.Authority))}; " +
                          $"{settings.Leads} team leads, {settings.Walls} walls, {definition["teams"]!.AsArray().Count:N0} teams; " +
                          $"{settings.Duration.TotalSeconds:0} s measured per step after {settings.Warmup.TotalSeconds:0} s warm-up; open loop");
        if (settings.Prime > TimeSpan.Zero)
        {
            Console.WriteLine("priming (not measured)...");
            await Floors.RawInsertFloor(db, 500, TimeSpan.Zero, settings.Prime / 2, ct);
            await Floors.BroadcastFloor(echo.Address, 500, Math.Min(settings.Walls, 5), TimeSpan.Zero, settings.Prime / 2, ct);
            // On a small operation of its own: priming must not leave a second big operation in the server's memory.
            await Measure(settings with { Walls = Math.Min(settings.Walls, 5), Distress = 0 }, 500, TimeSpan.Zero, settings.Prime, clients, token!,
                Generated(Math.Min(settings.Teams, 200)), db, echo, null, null, ct);
        }

        var rows = new List<Row>();
        async Task<Row> StepAt(int rate, Settings? with = null)
        {
            // A step that overloaded the server leaves it working off its backlog (walls of the last operation, a
            // grown heap) for seconds: the next step starts when the silos are quiet again, not on a recovering server.
            if (rows.Count > 0 && usage is not null) await Settle(usage, ct);
            var row = await Measure(with ?? settings, rate, settings.Warmup, settings.Duration, clients, token!, definition, db, echo, usage, database, ct);
            rows.Add(row);
            Console.WriteLine(row.Line(settings.P99Limit, settings.FloorMargin));
            return row;
        }

        Row? best = null;
        var views = new List<ViewComparison>();
        if (settings.Agencies > 0)
        {
            // The same rate, one view (every wall the coordination centre's), then as many views as agencies.
            string[] spread = [.. Enumerable.Range(0, settings.Agencies).Select(AgencyId)];
            foreach (var rate in settings.Rates)
            {
                Console.Write($"  {settings.Walls} walls of the coordination centre (1 view): ");
                var one = await StepAt(rate, settings with { WallAgencies = [Coordinator] });
                Console.Write($"  {settings.Walls} walls over {settings.Agencies} agencies ({settings.Agencies} views): ");
                var many = await StepAt(rate, settings with { WallAgencies = spread });
                var comparison = new ViewComparison(rate, settings.Agencies, one.CpuMsPerReport, many.CpuMsPerReport, one.ToWall.P99, many.ToWall.P99);
                views.Add(comparison);
                Console.WriteLine($"  CPU per report, {settings.Agencies} views / 1 view: {comparison.Ratio:N2}x");
            }
        }
        else if (!settings.Step)
        {
            foreach (var rate in settings.Rates) await StepAt(rate);
        }
        else
        {
            // Multiply by 1.5 until a step fails, then halve the interval between the last pass and the first failure twice.
            var rate = settings.Rates[0];
            int? failed = null;
            while (rate <= settings.MaxRate)
            {
                var row = await StepAt(rate);
                if (!settings.Passes(row)) { failed = rate; break; }
                best = row;
                rate = (int)(rate * 1.5);
            }

            for (var i = 0; i < 2 && failed is { } high && best is not null; i++)
            {
                var mid = (best.Rate + high) / 2;
                if (mid - best.Rate < Math.Max(50, best.Rate / 20)) break;
                var row = await StepAt(mid);
                if (settings.Passes(row)) best = row;
                else failed = mid;
            }

            Console.WriteLine(best is null
                ? $"step: even {settings.Rates[0]:N0}/s does not pass (p99 report-to-wall under {settings.P99Limit:N0} ms or its floors + {settings.FloorMargin:N0} ms, nothing lost, 90 % acknowledged)."
                : $"step: highest passing rate (p99 report-to-wall under {settings.P99Limit:N0} ms or its floors + {settings.FloorMargin:N0} ms, nothing lost, 90 % acknowledged): {best.Rate:N0} reports/s " +
                  $"({best.AckedPerSecond:N0} acknowledged/s, p99 {best.ToWall.P99:N1} ms) on {settings.Servers.Length} silo(s) with {settings.Walls} walls.");
        }

        // Did the load make the cluster declare a live silo dead (a false positive of failure detection)?
        var dead = await DeadSilos(admin, token!, ct);
        Console.WriteLine($"membership after the run: {dead} silo(s) declared dead");
        var lifetimePeak = usage?.LifetimePeakMb;
        if (lifetimePeak is { } peak) Console.WriteLine($"server lifetime peak resident memory (VmHWM, largest silo): {peak:N0} MB");
        var errors = rows.SelectMany(r => r.Errors).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value));
        foreach (var (kind, count) in errors.OrderByDescending(e => e.Value)) Console.WriteLine($"error x{count}: {kind}");

        var result = new Result(DateTimeOffset.UtcNow, Environment.ProcessorCount, settings.Label, settings.Servers.Length, settings.Walls, settings.Leads,
            definition["teams"]!.AsArray().Count, settings.Scenario?.Name, settings.Duration.TotalSeconds, settings.Step ? settings.P99Limit : null,
            best?.Rate, lifetimePeak, rows, dead, settings.FloorMargin, views);
        var table = Markdown(result);
        Console.WriteLine();
        Console.WriteLine(table);
        if (markdownFile is not null) await File.WriteAllTextAsync(markdownFile.FullName, table, ct);
        if (jsonFile is not null) await File.WriteAllTextAsync(jsonFile.FullName, JsonSerializer.Serialize(result, BenchJson.Results), ct);
        foreach (var c in clients) c.Dispose();
        // Step mode fails by design at its last steps; it succeeds when it found a rate. Otherwise every step must be clean.
        return settings.Step ? (best is null ? 1 : 0) : rows.All(r => r.Lost == 0 && r.Duplicated == 0 && r.ErrorCount == 0) ? 0 : 1;
    }

    /// <summary>Waits (at most a minute) until the silos use under 30 % of a core, twice in a row over half a second.</summary>
    private static async Task Settle(ProcessUsage usage, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var quiet = 0;
        while (quiet < 2 && clock.Elapsed < TimeSpan.FromMinutes(1))
            quiet = await usage.CpuPercentOver(TimeSpan.FromMilliseconds(500), ct) < 30 ? quiet + 1 : 0;
        if (clock.Elapsed > TimeSpan.FromSeconds(2)) Console.WriteLine($"  (the silos were busy for {clock.Elapsed.TotalSeconds:N0} s after the last step)");
    }

    /// <summary>How many silos of the cluster its membership says are dead (asked of the first server).</summary>
    private static async Task<int> DeadSilos(HttpClient http, string adminToken, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/cluster");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Reading the cluster's membership: {await Problems.Describe(response)}");
        var view = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return view.GetProperty("silos").EnumerateArray().Count(s => s.GetProperty("status").GetString() == "Dead");
    }

    // ------------------------------------------------------------------ one step

    private static async Task<Row> Measure(Settings settings, int rate, TimeSpan warmup, TimeSpan duration, HttpClient[] clients, string adminToken,
        JsonObject definition, NpgsqlDataSource db, EchoProcess echo, ProcessUsage? usage, ProcessUsage? database, CancellationToken ct)
    {
        var raw = await Floors.RawInsertFloor(db, rate, warmup, duration, ct);
        var broadcast = await Floors.BroadcastFloor(echo.Address, rate, settings.Walls, warmup, duration, ct);

        var operation = await DefineOperation(clients[0], adminToken, definition, ct);
        var teamIds = definition["teams"]!.AsArray().Select(t => t!["id"]!.GetValue<string>()).ToArray();
        var regionOf = definition["teams"]!.AsArray().ToDictionary(t => t!["id"]!.GetValue<string>(), t => t!["regionId"]!.GetValue<string>());
        var centroids = definition["regions"]!.AsArray().ToDictionary(r => r!["id"]!.GetValue<string>(),
            r => (Lat: r!["centroid"]?["latitude"]?.GetValue<double>() ?? 0, Lon: r!["centroid"]?["longitude"]?.GetValue<double>() ?? 0));
        var leadCount = Math.Min(settings.Leads, teamIds.Length);
        var leads = new Lead[leadCount];
        for (var l = 0; l < leadCount; l++)
        {
            var held = teamIds.Where((_, i) => i % leadCount == l).ToArray();
            leads[l] = new Lead(await Issue(clients[0], adminToken, $"bench-lead-{l}", "team-lead", held, operation, ct), held);
        }

        var wallTokens = new Dictionary<string, string>();
        for (var i = 0; i < settings.Walls; i++)
            if (!wallTokens.ContainsKey(settings.WallAgency(i) ?? ""))
                wallTokens[settings.WallAgency(i) ?? ""] = await Issue(clients[0], adminToken, $"bench-wall-{settings.WallAgency(i) ?? "all"}", "wall", [], operation, ct, settings.WallAgency(i));
        var walls = new List<WallClient>();
        try
        {
            for (var i = 0; i < settings.Walls; i++)
                walls.Add(await WallClient.ConnectAsync(new Uri(settings.Servers[i % settings.Servers.Length], HubMessages.Path), wallTokens[settings.WallAgency(i) ?? ""], operation, ct));

            var sent = new ConcurrentDictionary<long, long>();   // seq → POST start (measured reports only)
            var post = new ConcurrentBag<double>();
            var errors = new ErrorTally();
            var measuring = false;
            // Distress presses during the measured seconds, evenly spread, each from another team's lead: the time from
            // the press (its POST's start) to the alarm's delta on every wall, while the reports keep coming.
            var pressed = new ConcurrentDictionary<long, long>();
            var distressErrors = new ErrorTally();
            var presses = settings.Distress <= 0 ? Task.CompletedTask : Task.Run(async () =>
            {
                await Task.Delay(warmup, ct);
                var gap = duration / (settings.Distress + 1);
                var all = new List<Task>();
                for (var k = 0; k < settings.Distress; k++)
                {
                    await Task.Delay(gap, ct);
                    var lead = leads[k % leadCount];
                    var team = lead.Teams[k / leadCount % lead.Teams.Length];
                    var started = Stopwatch.GetTimestamp();
                    all.Add(Task.Run(async () =>
                    {
                        if (await FieldReports.DistressAsync(clients[k % clients.Length], lead.Token, operation, team, $"bench-distress-{operation}-{k}", distressErrors, ct) is { } seq)
                            pressed[seq] = started;
                    }, ct));
                }

                await Task.WhenAll(all);
            }, ct);
            var (elapsed, _) = await Load.OpenLoop(rate, warmup, duration, m => measuring = m, async i =>
            {
                var measured = Volatile.Read(ref measuring);
                var lead = leads[i % leadCount];
                var team = lead.Teams[(int)(i / leadCount % lead.Teams.Length)];
                var (lat, lon) = centroids[regionOf[team]];
                var body = new
                {
                    children = (int)(i % 3 == 0 ? 1 : 0), women = (int)(i % 4 == 0 ? 1 : 0), men = (int)(i % 7 == 0 ? 1 : 0), arrested = 1,
                    position = new { latitude = lat + (i % 100 - 50) / 1000.0, longitude = lon + (i % 60 - 30) / 1000.0 },
                    note = "benchmark report",
                };
                var started = Stopwatch.GetTimestamp();
                var seq = await FieldReports.PostAsync(clients[i % clients.Length], lead.Token, operation, team, $"bench-{operation}-{i}", body, errors, ct);
                if (!measured) return;
                if (seq is { } s)
                {
                    sent[s] = started;
                    post.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }, usage, ct, database);

            await presses;
            var (toWall, lost, duplicated) = await WallClient.CompletenessAsync(walls, sent, ct);
            (Stats Alarm, long Lost, long Duplicated)? alarm = settings.Distress > 0 ? await WallClient.CompletenessAsync(walls, pressed, ct) : null;

            return new Row(rate, sent.Count / elapsed.TotalSeconds, raw.Count / duration.TotalSeconds, Stats.Of(post), toWall, raw, broadcast,
                lost, duplicated, errors.Total + distressErrors.Total, errors.Kinds.Concat(distressErrors.Kinds).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value)),
                usage?.CpuPercent, usage?.PeakRssMb, alarm?.Alarm, alarm is { } a ? a.Lost : 0, pressed.Count,
                database?.CpuPercent,
                usage is null || sent.IsEmpty ? null : (usage.CpuSeconds + (database?.CpuSeconds ?? 0)) * 1000 / sent.Count);
        }
        finally
        {
            foreach (var w in walls) await w.DisposeAsync();
        }
    }

    private sealed record Lead(string Token, string[] Teams);

    internal static async Task<string> Issue(HttpClient http, string adminToken, string subject, string role, string[] teams, string operation, CancellationToken ct,
        string? agency = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tokens")
        {
            Content = JsonContent.Create(new { subject, role, teams, operation, ttl = "2h", agency }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Issuing a {role} credential: {await Problems.Describe(response)}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("token").GetString()!;
    }

    /// <summary>A fresh operation per step, with the definition's regions and teams, so every step starts from zero.</summary>
    internal static async Task<string> DefineOperation(HttpClient http, string adminToken, JsonObject definition, CancellationToken ct)
    {
        var id = $"bench-{Guid.NewGuid():N}"[..24];
        var copy = definition.DeepClone().AsObject();
        copy["id"] = id;
        copy["exercise"] = true;
        var start = DateTimeOffset.UtcNow.Date.AddDays(-1);
        copy["windowStart"] = start;
        copy["windowEnd"] = start.AddDays(6);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/operations/{id}")
        {
            Content = new StringContent(copy.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Defining {id}: {await Problems.Describe(response)}");
        return id;
    }

    private const string Coordinator = "CC";

    private static string AgencyId(int i) => $"AG{i}";

    /// <summary>
    /// An operation of <paramref name="teams"/> raid teams over 20 regions; with <paramref name="agencies"/>, a coordination
    /// centre and that many agencies owning the teams round-robin: the first shares counts only, the second in full, the
    /// others in summary.
    /// </summary>
    internal static JsonObject Generated(int teams, int agencies = 0)
    {
        var operation = JsonSerializer.SerializeToNode(new
        {
            id = "generated",
            name = "Benchmark operation",
            regions = Enumerable.Range(0, 20).Select(r => new { id = $"R{r:D2}", name = $"Region {r}", centroid = new { latitude = -40 + r * 4.0, longitude = -120 + r * 12.0 } }),
            teams = Enumerable.Range(0, teams).Select(i => new { id = $"T{i:D5}", kind = "RaidTeam", regionId = $"R{i % 20:D2}", callSign = $"T{i}", agency = agencies > 0 ? AgencyId(i % agencies) : "Bench" }),
        }, BenchJson.Results)!.AsObject();
        if (agencies > 0)
            operation["agencies"] = JsonSerializer.SerializeToNode(
                new[] { new { id = Coordinator, name = "Coordination centre", kind = "CoordinationCentre", coordinator = true, shares = "Summary" } }
                    .Concat(Enumerable.Range(0, agencies).Select(a => new
                    {
                        id = AgencyId(a), name = $"Agency {a}", kind = "NationalPolice", coordinator = false,
                        shares = a == 0 ? "CountsOnly" : a == 1 ? "Full" : "Summary",
                    })), BenchJson.Results);
        return operation;
    }

    // ------------------------------------------------------------------ results

    internal sealed record Row(int Rate, double AckedPerSecond, double RawPerSecond, Stats Post, Stats ToWall, Stats RawInsert, Stats Broadcast,
        long Lost, long Duplicated, int ErrorCount, IReadOnlyDictionary<string, int> Errors, double? ServerCpuPercent, double? ServerPeakRssMb,
        Stats? Alarm = null, long AlarmLost = 0, int Presses = 0, double? DatabaseCpuPercent = null, double? CpuMsPerReport = null)
    {
        public double AckedOverRaw => AckedPerSecond / RawPerSecond;
        public double PostP50OverRaw => Post.P50 / RawInsert.P50;
        public double PostP99OverRaw => Post.P99 / RawInsert.P99;
        public double WallP50OverFloors => ToWall.P50 / (RawInsert.P50 + Broadcast.P50);
        public double WallP99OverFloors => ToWall.P99 / (RawInsert.P99 + Broadcast.P99);

        /// <summary>
        /// Nothing lost, doubled or refused, at least 90 % of the offered rate acknowledged, and p99 report-to-wall under
        /// the limit or under this step's own floors (raw insert p99 + bare broadcast p99) plus a margin: a stall of the
        /// disk or of PostgreSQL that the raw insert suffers in the same step is not the product's.
        /// </summary>
        public bool Passes(double p99Limit, double floorMargin) =>
            Lost == 0 && Duplicated == 0 && ErrorCount == 0 && ToWall.Count > 0 && AckedPerSecond >= 0.9 * Rate
            && (ToWall.P99 <= p99Limit || ToWall.P99 <= RawInsert.P99 + Broadcast.P99 + floorMargin);

        public string Line(double p99Limit, double floorMargin) =>
            $"{Rate,6:N0}/s: acked {AckedPerSecond,7:N0}/s ({AckedOverRaw:N2}x raw {RawPerSecond:N0}/s) | POST p50 {Post.P50:N2} p99 {Post.P99:N2} ms " +
            $"({PostP50OverRaw:N1}x / {PostP99OverRaw:N1}x raw) | to wall p50 {ToWall.P50:N2} p99 {ToWall.P99:N2} max {ToWall.Max:N1} ms " +
            $"({WallP50OverFloors:N1}x / {WallP99OverFloors:N1}x floors) | lost {Lost} dup {Duplicated} errors {ErrorCount}" +
            (ServerCpuPercent is { } cpu ? $" | server CPU {cpu:N0}% RSS {ServerPeakRssMb:N0} MB" : "") +
            (DatabaseCpuPercent is { } dbCpu ? $" | PostgreSQL CPU {dbCpu:N0}%" : "") +
            (CpuMsPerReport is { } perReport ? $" | {perReport:N2} CPU ms/report" : "") +
            (Alarm is { } alarm ? $" | distress press→alarm ({Presses} presses x walls) p50 {alarm.P50:N1} p99 {alarm.P99:N1} max {alarm.Max:N1} ms, missed {AlarmLost}" : "") +
            (Passes(p99Limit, floorMargin) ? "" : $"  [fails: p99 over {p99Limit:N0} ms and over its floors + {floorMargin:N0} ms, or lost/errors, or under 90 % acknowledged]");
    }

    internal sealed record Result(DateTimeOffset At, int Cores, string Label, int Silos, int Walls, int Leads, int Teams, string? Scenario,
        double SecondsPerStep, double? StepP99LimitMs, int? StepBestRate, double? ServerLifetimePeakMb, IReadOnlyList<Row> Rows,
        int DeadSilos = 0, double FloorMarginMs = 50, IReadOnlyList<ViewComparison>? Views = null);

    /// <summary>One rate measured with every wall in one view, then with the walls over <see cref="Agencies"/> views.</summary>
    internal sealed record ViewComparison(int Rate, int Agencies, double? OneViewCpuMs, double? SpreadCpuMs, double OneViewP99, double SpreadP99)
    {
        public double? Ratio => OneViewCpuMs is > 0 && SpreadCpuMs is { } spread ? spread / OneViewCpuMs : null;
    }

    private static string Markdown(Result r)
    {
        var b = new StringBuilder();
        b.AppendLine($"{(r.Label.Length > 0 ? r.Label : $"{r.Silos} silo(s)")}, {r.Walls} walls, {r.Leads} team leads, {r.Teams:N0} teams{(r.Scenario is { } s ? $" ({s})" : "")}, {r.SecondsPerStep:0} s per step, {r.Cores} cores" +
                      (r.ServerLifetimePeakMb is { } peak ? $"; server lifetime peak RSS {peak:N0} MB" : "") +
                      (r.StepP99LimitMs is { } limit ? $"; step mode: highest passing rate (p99 report-to-wall ≤ {limit:N0} ms or ≤ its floors + {r.FloorMarginMs:N0} ms, nothing lost) = **{(r.StepBestRate is { } best ? best.ToString("N0", CultureInfo.InvariantCulture) + "/s" : "none")}**" : "") +
                      $"; silos declared dead after the run: {r.DeadSilos}");
        b.AppendLine();
        b.AppendLine("| offered/s | acked/s (÷ raw insert/s) | POST p50 / p99 ms (÷ raw insert) | report→wall p50 / p99 / max ms (÷ insert + broadcast) | lost | dup | errors | raw insert p50 / p99 ms | broadcast p50 / p99 ms | server CPU % / peak RSS MB | PostgreSQL CPU % | CPU ms per report (servers + PostgreSQL) |");
        b.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var x in r.Rows)
        {
            b.AppendLine(
                $"| {x.Rate:N0} | {x.AckedPerSecond:N0} ({x.AckedOverRaw:N2}) | {x.Post.P50:N2} / {x.Post.P99:N2} ({x.PostP50OverRaw:N1} / {x.PostP99OverRaw:N1}) | " +
                $"{x.ToWall.P50:N2} / {x.ToWall.P99:N2} / {x.ToWall.Max:N0} ({x.WallP50OverFloors:N1} / {x.WallP99OverFloors:N1}) | {x.Lost} | {x.Duplicated} | {x.ErrorCount} | " +
                $"{x.RawInsert.P50:N2} / {x.RawInsert.P99:N2} | {x.Broadcast.P50:N2} / {x.Broadcast.P99:N2} | " +
                (x.ServerCpuPercent is { } cpu ? $"{cpu:N0} / {x.ServerPeakRssMb:N0}" : "-") + " | " +
                (x.DatabaseCpuPercent is { } dbCpu ? $"{dbCpu:N0}" : "-") + " | " +
                (x.CpuMsPerReport is { } perReport ? $"{perReport:N2}" : "-") + " |");
        }

        if (r.Views is { Count: > 0 } views)
        {
            b.AppendLine();
            b.AppendLine("| offered/s | views | CPU ms per report: 1 view (coordinator) / one per agency | ratio | report→wall p99 ms: 1 view / per agency |");
            b.AppendLine("| ---: | ---: | ---: | ---: | ---: |");
            foreach (var v in views)
                b.AppendLine($"| {v.Rate:N0} | 1 / {v.Agencies} | {v.OneViewCpuMs:N2} / {v.SpreadCpuMs:N2} | {v.Ratio:N2}x | {v.OneViewP99:N1} / {v.SpreadP99:N1} |");
        }

        if (r.Rows.Any(x => x.Alarm is not null))
        {
            b.AppendLine();
            b.AppendLine("| offered/s | distress presses | press→alarm on every wall: p50 / p99 / max ms | (press, wall) pairs | missed |");
            b.AppendLine("| ---: | ---: | ---: | ---: | ---: |");
            foreach (var x in r.Rows.Where(x => x.Alarm is not null))
                b.AppendLine($"| {x.Rate:N0} | {x.Presses} | {x.Alarm!.P50:N1} / {x.Alarm.P99:N1} / {x.Alarm.Max:N1} | {x.Alarm.Count:N0} | {x.AlarmLost} |");
        }

        return b.ToString();
    }
}
