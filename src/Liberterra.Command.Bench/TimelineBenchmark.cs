using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Liberterra.Command.Storage;
using Npgsql;

namespace Liberterra.Command.Bench;

/// <summary>
/// <c>liberterra-bench timeline</c>: a generated operation of N events (default 1,000,000) over a six-day window,
/// written to the server's database as the operation grain writes them (the timeline in batches, a past state every
/// 1,000 events); then, through the running server's API, the state at random instants (p50, p99), and the read rate
/// of the whole timeline streamed as JSON (events per second) — the path a replay and an export read.
/// </summary>
internal static class TimelineBenchmark
{
    public static System.CommandLine.Command Create()
    {
        var events = new Option<int>("--events") { Description = "Events in the generated operation.", DefaultValueFactory = _ => 1_000_000 };
        var queries = new Option<int>("--queries") { Description = "State queries at random instants.", DefaultValueFactory = _ => 200 };
        var json = new Option<FileInfo?>("--json") { Description = "Write the results as JSON to this file." };
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Write the results as a Markdown table to this file." };
        var command = new System.CommandLine.Command("timeline", "Time travel and replay reading on a generated operation of a million events.")
        {
            DatabaseOptions.Connection, events, queries, json, markdown,
        };
        command.SetAction((parse, ct) => Run(parse, parse.GetValue(events), parse.GetValue(queries), parse.GetValue(json), parse.GetValue(markdown), ct));
        return command;
    }

    private static async Task<int> Run(ParseResult parse, int count, int queries, FileInfo? jsonFile, FileInfo? markdownFile, CancellationToken ct)
    {
        var connection = DatabaseOptions.ConnectionOf(parse);
        if (string.IsNullOrWhiteSpace(connection))
        {
            await Console.Error.WriteLineAsync("liberterra-bench: --connection (the server's database) is required: the events are written there.");
            return 2;
        }

        await using var db = NpgsqlDataSource.Create(connection);
        var store = new PostgresTimelineStore(db);
        using var http = ServerOptions.Client(parse);
        http.Timeout = TimeSpan.FromMinutes(30);

        var op = $"timeline-bench-{DateTime.UtcNow:yyyyMMddHHmmss}";
        var start = new DateTimeOffset(2024, 9, 29, 0, 0, 0, TimeSpan.Zero);
        var random = new Random(2024);
        Console.WriteLine($"generating {count:N0} events for {op} (400 teams, 40 regions, six days)...");
        var clock = Stopwatch.StartNew();
        var (state, times) = await GeneratedTimeline.WriteAsync(store, op, count, start, TimeSpan.FromDays(6), exercise: true, ct);
        var generated = clock.Elapsed;
        Console.WriteLine($"generated in {generated.TotalSeconds:N0} s ({count / generated.TotalSeconds:N0} events/s); final totals: rescued {state!.Totals.Rescued:N0}");

        // Warm the connection and the server's code paths (not measured).
        for (var i = 0; i < 5; i++) await http.GetAsync($"/api/operations/{op}/state?seq={random.Next(1, count)}", ct);

        var latencies = new List<double>(queries);
        for (var i = 0; i < queries; i++)
        {
            var seq = random.Next(1, count + 1);
            var at = Uri.EscapeDataString(times[seq].ToString("O"));
            var started = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync($"/api/operations/{op}/state?at={at}", ct);
            var view = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (!response.IsSuccessStatusCode || view.GetProperty("lastSeq").GetInt64() != seq)
            {
                await Console.Error.WriteLineAsync($"liberterra-bench: state at {times[seq]:O} answered {(int)response.StatusCode}, expected event {seq}");
                return 1;
            }
        }

        latencies.Sort();
        var p50 = latencies[(int)Math.Ceiling(0.50 * latencies.Count) - 1];
        var p99 = latencies[(int)Math.Ceiling(0.99 * latencies.Count) - 1];
        Console.WriteLine($"state at a random instant: p50 {p50:N1} ms, p99 {p99:N1} ms, max {latencies[^1]:N1} ms ({queries} queries)");

        // The whole timeline through the server, streamed: what a replay or an export reads.
        clock.Restart();
        await using (var body = await http.GetStreamAsync($"/api/operations/{op}/export/timeline.json", ct))
        {
            var read = 0L;
            await foreach (var _ in JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(body, cancellationToken: ct)) read++;
            if (read != count)
            {
                await Console.Error.WriteLineAsync($"liberterra-bench: the export gave {read:N0} events, expected {count:N0}");
                return 1;
            }
        }

        var exportRate = count / clock.Elapsed.TotalSeconds;
        double copyRate;

        // The floor, PostgreSQL's own COPY of the same rows (as text, counted line by line), and what a replay reads:
        // events in chunks of 5,000 after its cursor (as ReplaySession does), each parsed into an event. Each twice,
        // alternating, and the better of the two kept: this machine's disk cache makes single runs vary by ±40 %.
        copyRate = 0;
        var storeRate = 0.0;
        for (var round = 0; round < 2; round++)
        {
            await using (var conn = await db.OpenConnectionAsync(ct))
            {
                clock.Restart();
                var rows = 0L;
                using (var copy = await conn.BeginTextExportAsync(
                    $"COPY (SELECT seq, server_time, client_time, actor, team_id, idempotency_key, payload FROM timeline_events WHERE operation_id = '{op}' ORDER BY seq) TO STDOUT", ct))
                {
                    while (await copy.ReadLineAsync(ct) is not null) rows++;
                }

                copyRate = Math.Max(copyRate, rows / clock.Elapsed.TotalSeconds);
            }

            clock.Restart();
            var replayed = 0L;
            for (long cursor = 0; cursor < count;)
            {
                await foreach (var e in store.ReadRangeAsync(op, cursor, Math.Min(count, cursor + 5000), ct))
                {
                    replayed++;
                    cursor = e.Seq;
                }
            }

            storeRate = Math.Max(storeRate, replayed / clock.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"timeline read: replay reader {storeRate:N0} events/s ({storeRate / copyRate:P0} of COPY {copyRate:N0} rows/s); through the server as JSON {exportRate:N0} events/s");

        var result = new { events = count, generatedSeconds = generated.TotalSeconds, stateP50Ms = p50, stateP99Ms = p99, stateMaxMs = latencies[^1], queries, exportEventsPerSecond = exportRate, replayReadEventsPerSecond = storeRate, copyRowsPerSecond = copyRate };
        var table =
            "| events | generate (events/s) | state at a random instant p50 / p99 / max ms | replay read (events/s) | raw COPY (rows/s) | replay ÷ COPY | JSON export through the server (events/s) |\n" +
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n" +
            $"| {count:N0} | {count / generated.TotalSeconds:N0} | {p50:N1} / {p99:N1} / {latencies[^1]:N1} | {storeRate:N0} | {copyRate:N0} | {storeRate / copyRate:N2} | {exportRate:N0} |\n";
        Console.WriteLine();
        Console.WriteLine(table);
        if (markdownFile is not null) await File.WriteAllTextAsync(markdownFile.FullName, table, ct);
        if (jsonFile is not null)
            await File.WriteAllTextAsync(jsonFile.FullName, JsonSerializer.Serialize(result, BenchJson.Results), ct);
        return 0;
    }
}
