using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Liberterra.Command.Bench;

/// <summary>
/// <c>liberterra-bench storage</c>: durable field reports per second and their latency through the whole server
/// (HTTP, grains, timeline commit) at several client counts, beside the floor measured in the same run against the
/// same database: a raw Npgsql loop inserting one row per commit at the same concurrency, the same request answered by
/// bare Kestrel, and (with <c>--memory-server</c>) the same reports through a second server whose storage is in memory:
/// what the request path costs with no database at all.
/// </summary>
internal static class StorageBenchmark
{
    public static System.CommandLine.Command Create()
    {
        var clients = new Option<string>("--clients") { Description = "Client counts to measure, comma-separated.", DefaultValueFactory = _ => "1,8,32" };
        var duration = new Option<int>("--seconds") { Description = "Measured seconds per step.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up seconds per step (not measured).", DefaultValueFactory = _ => 2 };
        var prime = new Option<int>("--prime")
        {
            Description = "Seconds of reports at 32 clients before the first step, not measured (JIT and tiered compilation of a fresh server).",
            DefaultValueFactory = _ => 20,
        };
        var json = new Option<FileInfo?>("--json") { Description = "Write the results as JSON to this file." };
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Write the results as a Markdown table to this file." };
        var command = new System.CommandLine.Command("storage", "Durable reports/s and latency vs a raw one-row-per-commit insert loop.")
        {
            DatabaseOptions.Connection, clients, duration, warmup, prime, NoDatabase.Server, json, markdown,
        };
        command.SetAction((parse, ct) => Run(parse,
            [.. parse.GetValue(clients)!.Split(',').Select(int.Parse)],
            TimeSpan.FromSeconds(parse.GetValue(duration)), TimeSpan.FromSeconds(parse.GetValue(warmup)),
            TimeSpan.FromSeconds(parse.GetValue(prime)), parse.GetValue(NoDatabase.Server),
            parse.GetValue(json), parse.GetValue(markdown), ct));
        return command;
    }

    private static async Task<int> Run(ParseResult parse, int[] clientCounts, TimeSpan duration, TimeSpan warmup, TimeSpan prime,
        Uri? memoryServer, FileInfo? jsonFile, FileInfo? markdownFile, CancellationToken ct)
    {
        var connection = DatabaseOptions.ConnectionOf(parse);
        if (string.IsNullOrWhiteSpace(connection))
        {
            await Console.Error.WriteLineAsync("liberterra-bench: --connection (the server's database) is required for the raw-insert floor.");
            return 2;
        }

        await using var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connection) { MaxPoolSize = 200 }.ConnectionString);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = parse.GetValue(ServerOptions.Server),
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (ServerOptions.TokenOf(parse) is { Length: > 0 } token)
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        await using var echo = await EchoProcess.StartAsync(ct);
        using var bare = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000 }) { BaseAddress = echo.Address };
        if (ServerOptions.TokenOf(parse) is { Length: > 0 } bareToken)
            bare.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bareToken);
        using var inMemory = NoDatabase.Client(memoryServer, http);
        var teams = Math.Max(clientCounts.Max(), 32);
        var operation = await DefineOperation(http, teams, ct);
        if (inMemory is not null) await DefineOperation(inMemory, teams, ct, operation);
        await using (var create = db.CreateCommand(
            "CREATE TABLE IF NOT EXISTS bench_raw_insert (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), payload jsonb NOT NULL)"))
            await create.ExecuteNonQueryAsync(ct);

        Console.WriteLine($"operation {operation}, {teams} teams; {duration.TotalSeconds:0} s per step after {warmup.TotalSeconds:0} s warm-up");
        if (prime > TimeSpan.Zero)
        {
            Console.WriteLine($"priming ({prime.TotalSeconds:0} s, not measured)...");
            await Measure(4, TimeSpan.Zero, TimeSpan.FromSeconds(2), (_, _) => RawInsert(db, ct), ct);
            await Measure(32, TimeSpan.Zero, prime, (client, i) =>
                PostReport(http, operation, $"T{client:D4}", $"bench-{operation}-prime-{client}-{i}", ct), ct);
            if (inMemory is not null)
                await Measure(32, TimeSpan.Zero, prime, (client, i) =>
                    PostReport(inMemory, operation, $"T{client:D4}", $"bench-{operation}-prime-{client}-{i}", ct), ct);
        }

        var rows = new List<Row>();
        foreach (var c in clientCounts)
        {
            var raw = await Measure(c, warmup, duration, (_, _) => RawInsert(db, ct), ct);
            var http0 = await Measure(c, warmup, duration, (client, i) =>
                PostReport(bare, null, $"T{client:D4}", $"bare-{c}-{client}-{i}", ct), ct);
            var reports = await Measure(c, warmup, duration, (client, i) =>
                PostReport(http, operation, $"T{client:D4}", $"bench-{operation}-c{c}-{client}-{i}", ct), ct);
            var memory = inMemory is null ? null : await Measure(c, warmup, duration, (client, i) =>
                PostReport(inMemory, operation, $"T{client:D4}", $"bench-{operation}-m{c}-{client}-{i}", ct), ct);
            var row = new Row(c, raw, http0, reports, memory);
            rows.Add(row);
            Console.WriteLine(
                $"{c,3} clients: raw insert {raw.PerSecond,8:N0}/s p50 {raw.P50,6:N2} ms p99 {raw.P99,6:N2} ms | " +
                $"bare HTTP {http0.PerSecond,8:N0}/s p50 {http0.P50,6:N2} ms | " +
                $"reports {reports.PerSecond,8:N0}/s p50 {reports.P50,6:N2} ms p99 {reports.P99,6:N2} ms | " +
                (memory is null ? "" : $"no database {memory.PerSecond,8:N0}/s p50 {memory.P50,6:N2} ms | ") +
                $"x{row.ThroughputRatio:N2} throughput, x{row.P50Ratio:N2} p50, errors {reports.Errors + (memory?.Errors ?? 0)}");
        }

        foreach (var (kind, count) in ErrorKinds.OrderByDescending(e => e.Value))
            Console.WriteLine($"error x{count}: {kind}");
        var table = Markdown(rows);
        Console.WriteLine();
        Console.WriteLine(table);
        if (markdownFile is not null) await File.WriteAllTextAsync(markdownFile.FullName, table, ct);
        if (jsonFile is not null)
            await File.WriteAllTextAsync(jsonFile.FullName, JsonSerializer.Serialize(rows, BenchJson.Results), ct);
        return rows.Sum(r => r.Reports.Errors + (r.Memory?.Errors ?? 0)) == 0 ? 0 : 1;
    }

    private static string Markdown(IEnumerable<Row> rows) =>
        "| clients | raw insert/s | raw p50 ms | raw p99 ms | bare HTTP/s | bare HTTP p50 ms | durable reports/s | report p50 ms | report p99 ms | reports/s ÷ raw | report p50 ÷ raw p50 | bare HTTP/s ÷ raw | no database reports/s ÷ raw | no database p50 ÷ raw p50 |\n" +
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n" +
        string.Concat(rows.Select(r =>
            $"| {r.Clients} | {r.Raw.PerSecond:N0} | {r.Raw.P50:N2} | {r.Raw.P99:N2} | {r.Http.PerSecond:N0} | {r.Http.P50:N2} | " +
            $"{r.Reports.PerSecond:N0} | {r.Reports.P50:N2} | {r.Reports.P99:N2} | {r.ThroughputRatio:N2} | {r.P50Ratio:N2} | {r.Http.PerSecond / r.Raw.PerSecond:N2} | " +
            (r.Memory is { } m ? $"{m.PerSecond / r.Raw.PerSecond:N2} ({m.PerSecond:N0}/s) | {m.P50 / r.Raw.P50:N2} ({m.P50:N2} ms) |\n" : "- | - |\n")));

    private static async Task<string> DefineOperation(HttpClient http, int teams, CancellationToken ct, string? id = null)
    {
        id ??= $"bench-{DateTime.UtcNow:yyyyMMddHHmmss}";
        var start = DateTimeOffset.UtcNow.Date.AddDays(-1);
        var body = new
        {
            name = "Storage benchmark", windowStart = start, windowEnd = start.AddDays(6), exercise = true,
            regions = new[] { new { id = "R1", name = "Region 1", centroid = new { latitude = 0.0, longitude = 0.0 } } },
            teams = Enumerable.Range(0, teams).Select(i => new { id = $"T{i:D4}", kind = "RaidTeam", regionId = "R1", callSign = $"T{i}", agency = "Bench" }),
        };
        var response = await http.PutAsJsonAsync($"/api/operations/{id}", body, ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Defining {id}: {await Problems.Describe(response)}");
        return id;
    }

    private static readonly string RawPayload = JsonSerializer.Serialize(new
    {
        kind = "FieldReported", report = new { status = (string?)null, counts = new { children = 1, women = 0, men = 0, arrested = 1 }, exploitationTypes = Array.Empty<string>(), position = (object?)null, note = (string?)null },
    });

    private static async Task<bool> RawInsert(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("INSERT INTO bench_raw_insert (payload) VALUES ($1::jsonb)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = RawPayload });
        await cmd.ExecuteNonQueryAsync(ct);
        return true;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> ErrorKinds = new();

    // With no operation: the same request to the bare HTTP endpoint (the floor).
    private static async Task<bool> PostReport(HttpClient http, string? operation, string team, string key, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post,
            operation is null ? EchoHubServer.ReportPath : $"/api/operations/{operation}/teams/{team}/reports")
        {
            Content = JsonContent.Create(new { children = 1, arrested = 1 }),
        };
        request.Headers.Add("Idempotency-Key", key);
        try
        {
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode == System.Net.HttpStatusCode.Created) return true;
            var problem = await response.Content.ReadAsStringAsync(ct);
            ErrorKinds.AddOrUpdate($"{(int)response.StatusCode} {problem[..Math.Min(problem.Length, 160)]}", 1, (_, n) => n + 1);
        }
        catch (HttpRequestException e)
        {
            ErrorKinds.AddOrUpdate($"connection: {e.Message}", 1, (_, n) => n + 1);
        }

        return false;
    }

    /// <summary>Closed loop: each client sends its next request when the previous one is answered.</summary>
    private static async Task<Result> Measure(int clients, TimeSpan warmup, TimeSpan duration,
        Func<int, long, Task<bool>> operation, CancellationToken ct)
    {
        var latencies = new List<double>[clients];
        var errors = 0;
        var measuring = false;
        var stop = false;
        var workers = Enumerable.Range(0, clients).Select(async client =>
        {
            var mine = latencies[client] = new List<double>(100_000);
            var i = 0L;
            while (!Volatile.Read(ref stop))
            {
                var started = Stopwatch.GetTimestamp();
                var ok = await operation(client, i++);
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (!Volatile.Read(ref measuring)) continue;
                if (ok) mine.Add(ms);
                else Interlocked.Increment(ref errors);
            }
        }).ToList();

        await Task.Delay(warmup, ct);
        Volatile.Write(ref measuring, true);
        var clock = Stopwatch.StartNew();
        await Task.Delay(duration, ct);
        Volatile.Write(ref measuring, false);
        var elapsed = clock.Elapsed;
        Volatile.Write(ref stop, true);
        await Task.WhenAll(workers);

        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Result(all.Length / elapsed.TotalSeconds, Percentile(all, 0.50), Percentile(all, 0.99), all.Length, errors);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private sealed record Result(double PerSecond, double P50, double P99, int Count, int Errors);

    private sealed record Row(int Clients, Result Raw, Result Http, Result Reports, Result? Memory)
    {
        public double ThroughputRatio => Reports.PerSecond / Raw.PerSecond;
        public double P50Ratio => Reports.P50 / Raw.P50;
    }
}
