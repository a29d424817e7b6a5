using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Liberterra.Command.Storage;
using Npgsql;

namespace Liberterra.Command.Bench;

/// <summary>
/// <c>liberterra-bench failover</c>: a long operation's silo is SIGKILLed; how soon a survivor takes its reports again,
/// and what it costs the survivor in memory. An operation of N events is generated straight into the database
/// (<see cref="GeneratedTimeline"/>); its grain is activated (folding everything: not measured) and takes one report
/// (which writes the snapshot a failover starts from); then the silo holding it is killed while a lead keeps posting to
/// the survivor with one idempotency key until it is acknowledged. Measured: SIGKILL to declared dead (the survivor's
/// membership), to the first acknowledgement, and the survivor's resident memory before and after. Checked: the retry
/// of a report acknowledged before the kill answers the same event, a generated key reused with another body is
/// refused, and the timeline holds each key once with no gap. Run twice (10,000 and 1,000,000 events) by
/// <c>deploy/bench.sh failover</c>, which compares the two.
/// </summary>
internal static class FailoverBenchmark
{
    public static System.CommandLine.Command Create()
    {
        var servers = new Option<string>("--servers") { Description = "The two silos' URLs, comma-separated.", Required = true };
        var pids = new Option<string>("--server-pids") { Description = "The two silos' process ids, in the same order.", Required = true };
        var events = new Option<int>("--events") { Description = "Events in the generated operation.", DefaultValueFactory = _ => 1_000_000 };
        var json = new Option<FileInfo?>("--json") { Description = "Write the result as JSON to this file." };
        var command = new System.CommandLine.Command("failover", "SIGKILL the silo of a long operation: time until a survivor takes reports again, and the survivor's memory.")
        {
            DatabaseOptions.Connection, servers, pids, events, json,
        };
        command.SetAction((parse, ct) => Run(parse,
            [.. parse.GetValue(servers)!.Split(',', StringSplitOptions.TrimEntries).Select(u => new Uri(u))],
            [.. parse.GetValue(pids)!.Split(',', StringSplitOptions.TrimEntries).Select(int.Parse)],
            parse.GetValue(events), parse.GetValue(json), ct));
        return command;
    }

    internal sealed record Result(int Events, double ActivationSeconds, double DeclaredSeconds, double ResumedAfterDeclaredSeconds,
        double KillToResumedSeconds, double SurvivorRssBeforeMb, double SurvivorRssAfterMb, double SurvivorPeakMb,
        bool RetryAnswered, bool ReuseRefused, bool TimelineExact, int Failed);

    private static async Task<int> Run(ParseResult parse, Uri[] servers, int[] pids, int count, FileInfo? jsonFile, CancellationToken ct)
    {
        var connection = DatabaseOptions.ConnectionOf(parse);
        var adminToken = ServerOptions.TokenOf(parse);
        if (servers.Length != 2 || pids.Length != 2 || string.IsNullOrWhiteSpace(connection) || string.IsNullOrWhiteSpace(adminToken))
        {
            await Console.Error.WriteLineAsync("liberterra-bench failover: two --servers, their two --server-pids, --connection and an admin credential are required.");
            return 2;
        }

        await using var db = NpgsqlDataSource.Create(connection);
        var store = new PostgresTimelineStore(db);
        var http = servers.Select(s => new HttpClient { BaseAddress = s, Timeout = TimeSpan.FromMinutes(30) }).ToArray();
        foreach (var h in http) h.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);

        // Reports until a few minutes ago in a window around now, so that new ones are in it.
        var op = $"failover-{count}-{DateTime.UtcNow:HHmmss}";
        var now = DateTimeOffset.UtcNow;
        Console.WriteLine($"generating {count:N0} events for {op}...");
        await GeneratedTimeline.WriteAsync(store, op, count, now.AddDays(-3), TimeSpan.FromDays(6), exercise: false, ct, span: TimeSpan.FromDays(3) - TimeSpan.FromMinutes(5));

        var lead = await EndToEndBenchmark.Issue(http[0], adminToken!, "bench-failover-lead", "team-lead", ["T000"], op, ct);
        var clock = Stopwatch.StartNew();
        (await http[0].GetAsync($"/api/operations/{op}", ct)).EnsureSuccessStatusCode();
        var activation = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"activated in {activation:N1} s (a fold of every event: no snapshot yet)");
        var body = new { children = 1, women = 0, men = 0, arrested = 1, note = "before the kill" };
        var (status, seqBefore) = await Post(http[0], lead, op, "before-kill-0001", body, ct);
        if (status != HttpStatusCode.Created) throw new InvalidOperationException($"The report before the kill answered {(int)status}.");
        // The snapshot is written after that commit, in the background: give it time.
        await Task.Delay(TimeSpan.FromSeconds(3), ct);

        var host = (await http[0].GetFromJsonAsync<JsonElement>($"/api/cluster/operations/{op}", ct)).GetProperty("silo").GetString();
        var selves = new List<string?>();
        foreach (var h in http) selves.Add((await h.GetFromJsonAsync<JsonElement>("/api/cluster", ct)).GetProperty("self").GetString());
        var victim = selves.IndexOf(host);
        if (victim < 0) throw new InvalidOperationException($"The operation lives on {host}, none of {string.Join(", ", selves)}.");
        var survivor = 1 - victim;
        var rssBefore = Rss(pids[survivor], "VmRSS:");
        Console.WriteLine($"operation on silo {victim} ({host}); survivor {survivor} at {rssBefore:N0} MB; killing silo {victim}");

        Process.GetProcessById(pids[victim]).Kill();
        clock.Restart();
        var declared = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    var view = await http[survivor].GetFromJsonAsync<JsonElement>("/api/cluster", ct);
                    if (view.GetProperty("silos").EnumerateArray().Any(s => s.GetProperty("address").GetString() == host && s.GetProperty("status").GetString() == "Dead"))
                        return clock.Elapsed.TotalSeconds;
                }
                catch (HttpRequestException) { }

                await Task.Delay(50, ct);
            }
        }, ct);

        // One report, retried with its key until acknowledged, as a phone does.
        var failed = 0;
        double resumed;
        while (true)
        {
            var (answer, _) = await Post(http[survivor], lead, op, "after-kill-0001", body with { note = "after the kill" }, ct, TimeSpan.FromSeconds(10));
            if (answer == HttpStatusCode.Created) { resumed = clock.Elapsed.TotalSeconds; break; }
            failed++;
            if (clock.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException("No report acknowledged within 2 minutes of the kill.");
            await Task.Delay(20, ct);
        }

        var declaredAt = await declared;
        Console.WriteLine($"declared dead after {declaredAt:N2} s; reports acknowledged again {resumed:N2} s after the kill ({resumed - declaredAt:N2} s after declared; {failed} attempts refused or failed)");

        // Exactly once across the failover: the retry of the report acknowledged before it, and a generated key (older than
        // the keys kept in memory on a long operation) sent with another body.
        var (retried, retrySeq) = await Post(http[survivor], lead, op, "before-kill-0001", body, ct);
        var retryAnswered = retried == HttpStatusCode.OK && retrySeq == seqBefore;
        var (reused, _) = await Post(http[survivor], lead, op, "generated-2", body, ct);
        var reuseRefused = reused == HttpStatusCode.Conflict;
        for (var i = 0; i < 100; i++) await Post(http[survivor], lead, op, $"after-kill-{i + 2:D4}", body, ct);
        await using (var cmd = db.CreateCommand("SELECT count(*), max(seq), count(DISTINCT idempotency_key) FROM timeline_events WHERE operation_id = $1"))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = op });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            var rows = reader.GetInt64(0);
            var exact = rows == reader.GetInt64(1) && rows == reader.GetInt64(2) && rows == count + 102;
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
            var result = new Result(count, activation, declaredAt, resumed - declaredAt, resumed, rssBefore, Rss(pids[survivor], "VmRSS:"),
                Rss(pids[survivor], "VmHWM:"), retryAnswered, reuseRefused, exact, failed);
            Console.WriteLine($"survivor resident memory: {result.SurvivorRssBeforeMb:N0} MB before, {result.SurvivorRssAfterMb:N0} MB after (peak {result.SurvivorPeakMb:N0} MB); " +
                              $"retry answered with its event: {retryAnswered}; old key reused refused: {reuseRefused}; timeline gap-free, each key once ({rows:N0} events): {exact}");
            if (jsonFile is not null) await File.WriteAllTextAsync(jsonFile.FullName, JsonSerializer.Serialize(result, BenchJson.Results), ct);
            foreach (var h in http) h.Dispose();
            return retryAnswered && reuseRefused && exact ? 0 : 1;
        }
    }

    private static async Task<(HttpStatusCode Status, long? Seq)> Post(HttpClient http, string token, string op, string key, object body,
        CancellationToken ct, TimeSpan? timeout = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/operations/{op}/teams/T000/reports") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", key);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout is { } t) cts.CancelAfter(t);
        try
        {
            using var response = await http.SendAsync(request, cts.Token);
            if (!response.IsSuccessStatusCode) return (response.StatusCode, null);
            return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("seq").GetInt64());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return (0, null);
        }
    }

    private static double Rss(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        return 0;
    }
}
