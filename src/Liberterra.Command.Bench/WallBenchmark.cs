using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Liberterra.Command.Contracts;
using Npgsql;

namespace Liberterra.Command.Bench;

/// <summary>
/// <c>liberterra-bench wall</c>: open-loop field reports at a fixed rate, M walls on the live hub, and for each
/// acknowledged report the time from its POST to its arrival on every wall; every report must arrive exactly once on
/// every wall. In the same run, at the same rate, the two floors: a raw Npgsql one-row insert with commit, and a bare
/// SignalR broadcast (publisher → hub → M listeners) through a hub in its own process; and, with
/// <c>--memory-server</c>, the same reports and walls through a second server whose storage is in memory (no database).
/// </summary>
internal static class WallBenchmark
{
    public static System.CommandLine.Command Create()
    {
        var steps = new Option<string>("--steps")
        {
            Description = "Steps as RATExWALLS (reports per second x walls), comma-separated.",
            DefaultValueFactory = _ => "100x1,100x50,1000x1,1000x50,2000x20",
        };
        var duration = new Option<int>("--seconds") { Description = "Measured seconds per step.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up seconds per step (not measured).", DefaultValueFactory = _ => 3 };
        var teams = new Option<int>("--teams") { Description = "Teams in the benchmark operation (reports spread over them).", DefaultValueFactory = _ => 200 };
        var prime = new Option<int>("--prime")
        {
            Description = "Seconds of load before the first step, not measured: a fresh server JIT-compiles and re-compiles its hot code (tiered compilation) for about half a minute under load.",
            DefaultValueFactory = _ => 30,
        };
        var serverPid = new Option<int?>("--server-pid") { Description = "The server's process id, to report its CPU and memory." };
        var json = new Option<FileInfo?>("--json") { Description = "Write the results as JSON to this file." };
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Write the results as a Markdown table to this file." };
        var command = new System.CommandLine.Command("wall", "Report-to-wall latency and completeness vs a raw insert and a bare SignalR broadcast.")
        {
            DatabaseOptions.Connection, steps, duration, warmup, teams, prime, serverPid, NoDatabase.Server, json, markdown,
        };
        command.SetAction((parse, ct) => Run(parse,
            [.. parse.GetValue(steps)!.Split(',').Select(Step.Parse)],
            TimeSpan.FromSeconds(parse.GetValue(duration)), TimeSpan.FromSeconds(parse.GetValue(warmup)),
            TimeSpan.FromSeconds(parse.GetValue(prime)), parse.GetValue(teams), parse.GetValue(serverPid), parse.GetValue(NoDatabase.Server),
            parse.GetValue(json), parse.GetValue(markdown), ct));
        return command;
    }

    private sealed record Step(int Rate, int Walls)
    {
        public static Step Parse(string s)
        {
            var parts = s.Trim().Split('x');
            return new Step(int.Parse(parts[0]), int.Parse(parts[1]));
        }
    }

    private static async Task<int> Run(ParseResult parse, Step[] steps, TimeSpan duration, TimeSpan warmup, TimeSpan prime, int teams,
        int? serverPid, Uri? memoryServer, FileInfo? jsonFile, FileInfo? markdownFile, CancellationToken ct)
    {
        var connection = DatabaseOptions.ConnectionOf(parse);
        var server = parse.GetValue(ServerOptions.Server)!;
        var token = ServerOptions.TokenOf(parse);
        if (string.IsNullOrWhiteSpace(connection) || string.IsNullOrWhiteSpace(token))
        {
            await Console.Error.WriteLineAsync("liberterra-bench: --connection (the server's database, for the raw-insert floor) and a credential (admin) are required.");
            return 2;
        }

        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));
        await using var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connection) { MaxPoolSize = 200 }.ConnectionString);
        await Floors.EnsureRawTable(db, ct);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 2000, PooledConnectionLifetime = TimeSpan.FromMinutes(30) })
        {
            BaseAddress = server,
            Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var inMemory = NoDatabase.Client(memoryServer, http);
        await using var echo = await EchoProcess.StartAsync(ct);

        Console.WriteLine($"{Environment.ProcessorCount} cores; {duration.TotalSeconds:0} s measured per step after {warmup.TotalSeconds:0} s warm-up; open loop");
        // Priming, not measured: JIT, tiered compilation, connection pools and the grains of both paths warm up first,
        // so that the first step measures the same server as the last (measured: a fresh server spends a quarter of its
        // CPU in the JIT 45 s into the load, and a first step run cold had a p99 of seconds).
        Console.WriteLine($"priming ({prime.TotalSeconds:0} s, not measured)...");
        await Floors.RawInsertFloor(db, 500, TimeSpan.Zero, TimeSpan.FromSeconds(2), ct);
        await Floors.BroadcastFloor(echo.Address, 500, 5, TimeSpan.Zero, TimeSpan.FromSeconds(2), ct);
        if (prime > TimeSpan.Zero)
            await WallRun(http, server, token!, await DefineOperation(http, teams, ct), teams, new Step(1000, 10), TimeSpan.Zero, prime, null, ct);
        if (prime > TimeSpan.Zero && inMemory is not null)
            await WallRun(inMemory, memoryServer!, token!, await DefineOperation(inMemory, teams, ct), teams, new Step(1000, 10), TimeSpan.Zero, prime, null, ct);

        var rows = new List<Row>();
        foreach (var step in steps)
        {
            var raw = await Floors.RawInsertFloor(db, step.Rate, warmup, duration, ct);
            var broadcast = await Floors.BroadcastFloor(echo.Address, step.Rate, step.Walls, warmup, duration, ct);
            var operation = await DefineOperation(http, teams, ct);
            var wall = await WallRun(http, server, token!, operation, teams, step, warmup, duration, serverPid, ct);
            var noDatabase = inMemory is null ? null
                : await WallRun(inMemory, memoryServer!, token!, await DefineOperation(inMemory, teams, ct), teams, step, warmup, duration, null, ct);
            var row = new Row(step.Rate, step.Walls, raw, broadcast, wall, noDatabase);
            rows.Add(row);
            Console.WriteLine(
                $"{step.Rate,5}/s x {step.Walls,2} walls: acked {wall.AckedPerSecond,7:N0}/s, POST p50 {wall.Post.P50,6:N2} p99 {wall.Post.P99,6:N2} | " +
                $"to wall p50 {wall.ToWall.P50,6:N2} p99 {wall.ToWall.P99,6:N2} max {wall.ToWall.Max,7:N2} ms | lost {wall.Lost} dup {wall.Duplicated} errors {wall.Errors} | " +
                $"floors: insert p50 {raw.P50:N2} p99 {raw.P99:N2}, broadcast p50 {broadcast.P50:N2} p99 {broadcast.P99:N2} | p50 ÷ floors {row.P50OverFloors:N2}" +
                (noDatabase is null ? "" : $" | no database: to wall p50 {noDatabase.ToWall.P50:N2} p99 {noDatabase.ToWall.P99:N2}, lost {noDatabase.Lost} dup {noDatabase.Duplicated}") +
                (wall.ServerCpuPercent is { } cpu ? $" | server CPU {cpu:N0}% peak RSS {wall.ServerPeakRssMb:N0} MB" : ""));
        }

        foreach (var (kind, count) in ErrorKinds.Kinds.OrderByDescending(e => e.Value))
            Console.WriteLine($"error x{count}: {kind}");
        var table = Markdown(rows);
        Console.WriteLine();
        Console.WriteLine(table);
        if (markdownFile is not null) await File.WriteAllTextAsync(markdownFile.FullName, table, ct);
        if (jsonFile is not null)
            await File.WriteAllTextAsync(jsonFile.FullName, JsonSerializer.Serialize(rows, BenchJson.Results), ct);
        return rows.All(r => Complete(r.Wall) && (r.NoDatabase is null || Complete(r.NoDatabase))) ? 0 : 1;
    }

    // ------------------------------------------------------------------ the real path

    private static async Task<WallResult> WallRun(HttpClient http, Uri server, string token, string operation, int teams, Step step,
        TimeSpan warmup, TimeSpan duration, int? serverPid, CancellationToken ct)
    {
        var walls = new List<WallClient>();
        try
        {
            for (var i = 0; i < step.Walls; i++) walls.Add(await WallClient.ConnectAsync(new Uri(server, HubMessages.Path), token, operation, ct));

            var sent = new ConcurrentDictionary<long, long>();       // seq → POST start timestamp (measured reports only)
            var postLatencies = new ConcurrentBag<double>();
            var errors = 0;
            var measuring = false;
            var usage = serverPid is { } pid ? new ProcessUsage(pid) : null;
            var (elapsed, _) = await Load.OpenLoop(step.Rate, warmup, duration, m => measuring = m, async i =>
            {
                var measured = Volatile.Read(ref measuring);
                var started = Stopwatch.GetTimestamp();
                var seq = await FieldReports.PostAsync(http, null, operation, $"T{i % teams:D4}", $"wall-{operation}-{i}", WallReport, ErrorKinds, ct);
                if (!measured) return;
                if (seq is { } s)
                {
                    sent[s] = started;
                    postLatencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                else Interlocked.Increment(ref errors);
            }, usage, ct);

            var (toWall, lost, duplicated) = await WallClient.CompletenessAsync(walls, sent, ct);

            return new WallResult(sent.Count / elapsed.TotalSeconds, Stats.Of(postLatencies), toWall, lost, duplicated, errors,
                usage?.CpuPercent, usage?.PeakRssMb);
        }
        finally
        {
            foreach (var w in walls) await w.DisposeAsync();
        }
    }

    private static async Task<string> DefineOperation(HttpClient http, int teams, CancellationToken ct)
    {
        var id = $"wallbench-{Guid.NewGuid():N}"[..24];
        var start = DateTimeOffset.UtcNow.Date.AddDays(-1);
        // Teams spread over 20 regions, as in a real operation (a delta carries its team and its region).
        var body = new
        {
            name = "Wall benchmark", windowStart = start, windowEnd = start.AddDays(6), exercise = true,
            regions = Enumerable.Range(0, 20).Select(r => new { id = $"R{r:D2}", name = $"Region {r}", centroid = new { latitude = r * 3.0, longitude = r * 7.0 } }),
            teams = Enumerable.Range(0, teams).Select(i => new { id = $"T{i:D4}", kind = "RaidTeam", regionId = $"R{i % 20:D2}", callSign = $"T{i}", agency = "Bench" }),
        };
        var response = await http.PutAsJsonAsync($"/api/operations/{id}", body, ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Defining {id}: {await Problems.Describe(response)}");
        return id;
    }

    // ------------------------------------------------------------------ floors

    // ------------------------------------------------------------------ load shape and statistics

    private static readonly ErrorTally ErrorKinds = new();

    private static bool Complete(WallResult r) => r.Lost == 0 && r.Duplicated == 0 && r.Errors == 0;

    private static readonly object WallReport = new { children = 1, arrested = 1 };

    private sealed record WallResult(double AckedPerSecond, Stats Post, Stats ToWall, long Lost, long Duplicated, int Errors,
        double? ServerCpuPercent, double? ServerPeakRssMb);

    private sealed record Row(int Rate, int Walls, Stats RawInsert, Stats Broadcast, WallResult Wall, WallResult? NoDatabase)
    {
        public double FloorsP50 => RawInsert.P50 + Broadcast.P50;
        public double P50OverFloors => Wall.ToWall.P50 / FloorsP50;
    }

    private static string Markdown(IEnumerable<Row> rows) =>
        "| reports/s | walls | acked/s | POST p50 / p99 ms | report→wall p50 / p99 / max ms | lost | dup | errors | raw insert p50 / p99 ms | bare broadcast p50 / p99 ms | wall p50 ÷ (insert + broadcast p50) | wall p99 ÷ (insert + broadcast p99) | server CPU % / peak RSS MB | no database: report→wall p50 / p99 ms |\n" +
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n" +
        string.Concat(rows.Select(r =>
            $"| {r.Rate:N0} | {r.Walls} | {r.Wall.AckedPerSecond:N0} | {r.Wall.Post.P50:N2} / {r.Wall.Post.P99:N2} | " +
            $"{r.Wall.ToWall.P50:N2} / {r.Wall.ToWall.P99:N2} / {r.Wall.ToWall.Max:N1} | {r.Wall.Lost} | {r.Wall.Duplicated} | {r.Wall.Errors} | " +
            $"{r.RawInsert.P50:N2} / {r.RawInsert.P99:N2} | {r.Broadcast.P50:N2} / {r.Broadcast.P99:N2} | {r.P50OverFloors:N2} | " +
            $"{r.Wall.ToWall.P99 / (r.RawInsert.P99 + r.Broadcast.P99):N2} | " +
            (r.Wall.ServerCpuPercent is { } cpu ? $"{cpu:N0} / {r.Wall.ServerPeakRssMb:N0}" : "-") + " | " +
            (r.NoDatabase is { } m ? $"{m.ToWall.P50:N2} / {m.ToWall.P99:N2}" + (Complete(m) ? "" : $" (lost {m.Lost}, dup {m.Duplicated}, errors {m.Errors})") : "-") + " |\n"));
}
