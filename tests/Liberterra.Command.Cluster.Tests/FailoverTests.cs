using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;
using Xunit.Abstractions;

namespace Liberterra.Command.Cluster.Tests;

/// <summary>
/// Three silos behind nginx (deploy/cluster.sh), walls through the balancer and directly on silos, field reports
/// flowing; one silo is SIGKILLed (the operation's own, or one without it: the feed registry's where it can be);
/// later a silo is added under load. Besides nothing lost or doubled, it measures what the death cost: how long after
/// the cluster declared the silo dead the operation took reports again, the longest pause between commits, how late
/// each survivor's wall got each delta, when the dead silo's walls had a fresh snapshot, and what each survivor logged.
/// Each run prints one FIGURES line (docs/operations.md collects them).
/// </summary>
public class FailoverTests(ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Margins over the targets (2 s, 1 s, 2 s) that hold on two busy cores: the test suite runs the browser tests
    // beside this one. The FIGURES line gives the measured values.
    private static readonly TimeSpan ResumeLimit = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan WallLatencyLimit = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan ResyncLimit = TimeSpan.FromSeconds(3);

    // From the SIGKILL to the operation taking reports again on a survivor: target 5 s (FailureDetection's probes).
    private static readonly TimeSpan KillToResumeLimit = TimeSpan.FromSeconds(7);

    /// <summary>At most this many log entries per surviving silo from the kill until reports flow cleanly again.</summary>
    private const int LogEntriesLimit = 10;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task a_silo_killed_under_load_costs_seconds_loses_nothing_and_a_silo_added_under_load_takes_work(bool killOperationHost)
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("cluster");
        // Check-ins compressed so that the overdue reminder can be seen firing within the test: a team silent for
        // 15 s is overdue; the reminder that brings an operation back after its silo died comes every 3 s. Logging
        // as deployed (appsettings.json), rate limits off (the load is one client).
        await using var cluster = await LocalCluster.StartAsync(connectionString, 3,
            "--Silo:CheckInInterval=00:00:15 --Silo:CheckInScan=00:00:01 --Silo:CheckInReminder=00:00:03");
        try
        {
            await Run(cluster, killOperationHost);
        }
        catch
        {
            output.WriteLine(cluster.Logs());
            throw;
        }
    }

    private async Task Run(LocalCluster cluster, bool killOperationHost)
    {
        var clock = Stopwatch.StartNew();
        void Say(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s  {what}");
        var adminToken = TestAuth.Token(Roles.Admin);
        using var admin = TestAuth.Client(cluster.Balancer, adminToken);
        var op = await Define(admin, 4);
        var host = await SiloOf(cluster, admin, $"/api/cluster/operations/{op}");
        var registry = await SiloOf(cluster, admin, "/api/cluster/feed-registry");
        // The quiet operation: one team checks in once, then nothing. Where its grain lives on the silo to be killed,
        // only the durable reminder, firing on a survivor, can flag the team overdue. Placement favours the least
        // loaded silo, so the test looks for such an operation a few times and says where it ended up.
        string quiet;
        int victim;
        if (killOperationHost)
        {
            victim = host;
            quiet = await DefineOn(cluster, admin, s => s == victim);
        }
        else
        {
            // A silo without the operation: the feed registry's if it can be, else any.
            quiet = await DefineOn(cluster, admin, s => s != host && (registry == host || s == registry));
            var quietHost = await SiloOf(cluster, admin, $"/api/cluster/operations/{quiet}");
            victim = quietHost != host ? quietHost : registry != host ? registry : Enumerable.Range(1, 3).First(i => i != host);
        }

        var quietOnVictim = await SiloOf(cluster, admin, $"/api/cluster/operations/{quiet}") == victim;
        var survivors = Enumerable.Range(1, 3).Where(i => i != victim).ToArray();
        Assert.Equal(HttpStatusCode.Created, (await PostReport(cluster.Balancer, quiet, "T0", new { status = "Briefed" }, Guid.NewGuid().ToString())).StatusCode);
        Say($"operation on silo {host}, feed registry on {registry}; silo {victim} will be killed " +
            $"({(killOperationHost ? "the operation's" : "one without the operation")}); the quiet operation is {(quietOnVictim ? "" : "not ")}on it");

        // Walls: directly on each survivor, and through the balancer pinned (by the affinity cookie) to every silo.
        var wallToken = TestAuth.Token(Roles.Wall);
        var walls = new List<(TestWall Wall, int Silo, bool ViaBalancer)>();
        foreach (var s in survivors) walls.Add((await TestWall.ConnectAsync(cluster.Silo(s), wallToken, op, $"direct-{s}"), s, false));
        foreach (var (cookie, s) in await CookiesPerSilo(cluster, 2))
            walls.Add((await TestWall.ConnectAsync(cluster.Balancer, wallToken, op, $"balancer-{s}-{cookie}", cookie), s, true));
        Say($"{walls.Count} walls joined");

        await using var load = new FieldLoad(cluster, op, ["T0", "T1", "T2", "T3"]);
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.True(load.Acked > 20, $"reports flow before the kill ({load.Acked})");

        var logBefore = survivors.ToDictionary(s => s, s => cluster.LogOf(s).Length - 1);   // the last is the line being written
        await cluster.Kill(victim);
        var killedAt = DateTimeOffset.UtcNow;
        Say($"silo {victim} killed after {load.Acked} acknowledged reports");

        // The survivors declare it dead (Orleans' membership, through PostgreSQL).
        using var onSurvivor = TestAuth.Client(cluster.Silo(survivors[0]), TestAuth.Token(Roles.Admin));
        await Wait.Until(async () => await onSurvivor.GetFromJsonAsync<JsonElement>("/api/cluster", Json),
            c => c.GetProperty("silos").EnumerateArray().Any(m => cluster.IsSilo(m.GetProperty("address").GetString()!, victim) && m.GetProperty("status").GetString() == "Dead"),
            TimeSpan.FromSeconds(90), "the killed silo to be declared dead");
        var declaredAt = DateTimeOffset.UtcNow;
        Say($"silo {victim} declared dead after {(declaredAt - killedAt).TotalSeconds:0.0} s");

        // The overdue check-in is flagged although the silo that held the operation (and its timer) is gone.
        var overdue = await Wait.Until(async () => await Timeline(admin, quiet, "CheckInOverdue"), e => e.Count > 0,
            TimeSpan.FromSeconds(90), "the quiet team to be flagged overdue by the reminder");
        Assert.True(overdue[0].ServerTime > killedAt, "flagged after the kill");
        Say($"quiet team flagged overdue{(quietOnVictim ? " by its reminder, on a survivor" : "")}");

        await Wait.Until(() => Task.FromResult(load.SinceLastError), t => t > TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(60),
            $"reports to flow cleanly again ({string.Join("; ", load.ErrorKinds)})");
        // What each survivor logged from the kill until now: entries, and lines of stack traces among them.
        var logged = survivors.ToDictionary(s => s, s => cluster.LogOf(s).Skip(logBefore[s]).ToList());
        var entries = logged.ToDictionary(l => l.Key, l => l.Value.Count(IsLogEntry));
        var traces = logged.ToDictionary(l => l.Key, l => l.Value.Count(line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal)));

        // A silo joins under load: the balancer sends it work and nothing fails meanwhile.
        var errorsBeforeAdd = load.FailedAttempts;
        var kindsBeforeAdd = string.Join("; ", load.ErrorKinds);
        await cluster.Add();
        var added = 4;
        await using var addedWall = await TestWall.ConnectAsync(cluster.Silo(added), wallToken, op, $"direct-{added}");
        Say("silo 4 added");
        await Wait.Until(() => Task.FromResult(load.ServedBy(added)), n => n >= 20, TimeSpan.FromSeconds(60), "the balancer to send reports to the new silo");
        var lastSeen = load.Acked;
        await Wait.Until(() => Task.FromResult(load.Acked), n => n > lastSeen + 100, TimeSpan.FromSeconds(60), "100 more reports");
        Assert.True(errorsBeforeAdd == load.FailedAttempts,
            $"no report may fail while a silo joins: {load.FailedAttempts - errorsBeforeAdd} did; before: {kindsBeforeAdd}; now: {string.Join("; ", load.ErrorKinds)}");

        await load.StopAsync();
        Say($"load stopped: {load.Acked} acknowledged, {load.FailedAttempts} failed attempts retried ({string.Join("; ", load.ErrorKinds)})");

        // Every acknowledged report is in the timeline exactly once, and the totals are the sum of the timeline.
        var final = (await admin.GetFromJsonAsync<OperationView>($"/api/operations/{op}", Json))!;
        var reports = await Timeline(admin, op, "FieldReported");
        Assert.Equal(load.Keys.Order(), reports.Select(r => r.IdempotencyKey).Order());
        Assert.Equal(reports.Count, reports.Select(r => r.IdempotencyKey).Distinct().Count());
        Assert.Equal(reports.Sum(r => r.Report!.Counts.Children), final.Totals.Children);
        Assert.Equal(reports.Sum(r => r.Report!.Counts.Arrested), final.Totals.Arrested);
        Assert.Equal(load.Children, final.Totals.Children);

        // Every wall ends on the same, correct totals.
        var everyWall = walls.Select(w => w.Wall).Append(addedWall).ToList();
        await Wait.Until(() => Task.FromResult(everyWall.All(w => w.LastSeq == final.LastSeq)), ok => ok, TimeSpan.FromSeconds(30),
            $"every wall to reach seq {final.LastSeq}: {string.Join("; ", everyWall)}");
        foreach (var w in everyWall) Say(w.ToString());
        Assert.All(everyWall, w => Assert.Equal(final.Totals, w.Totals));

        // What the death cost. Commits: the first after the kill (the operation's silo) or the longest pause around it.
        var times = reports.Select(r => r.ServerTime).Order().ToList();
        var resumedAt = times.First(t => t > killedAt);
        var resumed = resumedAt - declaredAt;
        var killToResumed = resumedAt - killedAt;
        var around = times.Where(t => t > killedAt.AddSeconds(-1) && t < declaredAt.AddSeconds(5)).ToList();
        var (pause, pauseFrom) = around.Zip(around.Skip(1), (x, y) => (y - x, x)).DefaultIfEmpty((TimeSpan.Zero, killedAt)).Max();
        // For comparison, the same measure before the kill, on the same machine under the same load (this machine's disk
        // or PostgreSQL stalls now and then, with no silo dying: docs/benchmarks.md).
        var before = times.Where(t => t < killedAt.AddSeconds(-0.5)).Skip(10).ToList();
        var pauseBefore = before.Zip(before.Skip(1), (x, y) => y - x).DefaultIfEmpty(TimeSpan.Zero).Max();
        var survivorWalls = walls.Where(w => w.Silo != victim).Select(w => w.Wall).ToList();
        var deadWalls = walls.Where(w => w.Silo == victim).Select(w => w.Wall).ToList();
        var wallLatency = survivorWalls.Max(w => w.MaxLatency);
        var resync = deadWalls.Max(w => w.LastResyncAt ?? DateTimeOffset.MaxValue) - declaredAt;
        output.WriteLine(
            $"FIGURES victim={(killOperationHost ? "operation" : "other")}{(registry == victim ? "+registry" : "")}{(quietOnVictim ? "+quiet" : "")} declared={(declaredAt - killedAt).TotalSeconds:0.0}s " +
            $"resumed={resumed.TotalSeconds:0.00}s kill-to-resumed={killToResumed.TotalSeconds:0.00}s pause={pause.TotalMilliseconds:0}ms (from {(pauseFrom - killedAt).TotalSeconds:+0.00;-0.00}s; before the kill {pauseBefore.TotalMilliseconds:0}ms) wall-latency={wallLatency.TotalMilliseconds:0}ms " +
            $"dead-walls-resynced={resync.TotalSeconds:0.00}s log-entries={string.Join('/', entries.Values)} " +
            $"trace-lines={string.Join('/', traces.Values)} failed={load.FailedAttempts} ({string.Join("; ", load.ErrorKinds)})");
        foreach (var (s, lines) in logged) output.WriteLine($"--- silo {s} after the kill\n{Summary(lines)}");
        foreach (var s in survivors)
        {
            var all = cluster.LogOf(s);
            output.WriteLine($"--- silo {s}: answers 'retry' (of {all.Length} lines, {logBefore[s]} before the kill)");
            for (var i = 0; i < all.Length; i++)
                if (all[i].Contains("TransientFailures", StringComparison.Ordinal)) output.WriteLine($"{i}: {all[i + 1]}");
        }

        // Nothing answered 500; every 503 said when to retry.
        Assert.DoesNotContain(load.ErrorKinds, k => k.StartsWith("500", StringComparison.Ordinal) || k.StartsWith("503 without", StringComparison.Ordinal));
        if (killOperationHost)
        {
            Assert.True(resumed <= ResumeLimit, $"reports taken again {resumed.TotalSeconds:0.00} s after the silo was declared dead");
            Assert.True(killToResumed <= KillToResumeLimit, $"reports taken again {killToResumed.TotalSeconds:0.00} s after the silo was killed");
        }
        else
        {
            // A silo without the operation costs no stall: reports to it fail over through the balancer.
            Assert.True(pause <= TimeSpan.FromSeconds(1), $"commits paused {pause.TotalMilliseconds:0} ms after a silo without the operation died");
        }

        // Walls on the survivors kept receiving, each delta promptly: not one gap, reconnect or fresh snapshot.
        Assert.All(survivorWalls.Append(addedWall), w =>
        {
            Assert.Equal(0, w.Gaps);
            Assert.Equal(0, w.Reconnects);
            Assert.Equal(0, w.Resyncs);
        });
        Assert.True(wallLatency <= WallLatencyLimit, $"a survivor's wall got a delta {wallLatency.TotalMilliseconds:0} ms after its commit: {string.Join("; ", survivorWalls)}");

        // Walls on the dead silo (through the balancer) reconnected to a survivor and resynced, soon after the death was known.
        Assert.All(deadWalls, w =>
        {
            Assert.True(w.Reconnects >= 1, w.ToString());
            Assert.True(w.Resyncs >= 1, w.ToString());
        });
        Assert.True(resync <= ResyncLimit, $"the dead silo's walls had a fresh snapshot {resync.TotalSeconds:0.00} s after it was declared dead");

        // A handful of lines per survivor, none with a stack trace: a silo's death is an expected condition.
        Assert.All(survivors, s =>
        {
            Assert.True(entries[s] <= LogEntriesLimit, $"silo {s} logged {entries[s]} entries after the kill");
            Assert.True(traces[s] == 0, $"silo {s} logged a stack trace after the kill:\n{string.Join('\n', logged[s].Take(60))}");
        });

        foreach (var (w, _, _) in walls) await w.DisposeAsync();

        // The silos ran with the product's settings (appsettings.json read from the content root): no line per request
        // and no credential in any silo's log, though walls connected with theirs in the query string.
        var logs = cluster.Logs();
        Assert.True(logs.Length > 1000, "the silos logged nothing: the check would prove nothing");
        Assert.DoesNotContain("Request starting", logs);
        Assert.DoesNotContain("Request finished", logs);
        Assert.DoesNotContain(wallToken.Split('.')[2], logs);
        Assert.DoesNotContain(adminToken.Split('.')[2], logs);
    }

    // Each kind of entry (level and category) once, with how many there were and the first one whole (a few lines).
    private static string Summary(List<string> lines)
    {
        var kinds = new List<(string Head, int Count, List<string> First)>();
        List<string>? current = null;
        foreach (var line in lines)
        {
            if (IsLogEntry(line))
            {
                var head = line.Split('[')[0].Trim();
                var i = kinds.FindIndex(k => k.Head == head);
                if (i < 0)
                {
                    current = [line];
                    kinds.Add((head, 1, current));
                }
                else
                {
                    kinds[i] = (head, kinds[i].Count + 1, kinds[i].First);
                    current = null;
                }
            }
            else if (current is { Count: < 8 })
            {
                current.Add(line);
            }
        }

        return string.Join('\n', kinds.Select(k => $"{k.Count} x {string.Join('\n', k.First)}"));
    }

    // The console logger starts each entry with its level ("info: ", "warn: ", "fail: ", ...) at the start of a line.
    private static bool IsLogEntry(string line) =>
        line.Length > 6 && line[4] == ':' && line[5] == ' ' && line[..4] is "trce" or "dbug" or "info" or "warn" or "fail" or "crit";

    /// <summary>The silo (1-based) an admin endpoint says something lives on.</summary>
    private static async Task<int> SiloOf(LocalCluster cluster, HttpClient admin, string path)
    {
        var silo = (await admin.GetFromJsonAsync<JsonElement>(path, Json)).GetProperty("silo").GetString()!;
        return Enumerable.Range(1, 3).Single(i => cluster.IsSilo(silo, i));
    }

    /// <summary>Defines one-team operations until one's grain lands on a silo <paramref name="wanted"/> (at most 12; else the last).</summary>
    private static async Task<string> DefineOn(LocalCluster cluster, HttpClient admin, Func<int, bool> wanted)
    {
        var op = "";
        for (var attempt = 0; attempt < 12; attempt++)
        {
            op = await Define(admin, 1);
            if (wanted(await SiloOf(cluster, admin, $"/api/cluster/operations/{op}"))) return op;
        }

        return op;
    }

    /// <summary>Affinity cookies the balancer maps to each silo (for the hubs: nothing else is sticky), <paramref name="perSilo"/> of each.</summary>
    private static async Task<List<(string Cookie, int Silo)>> CookiesPerSilo(LocalCluster cluster, int perSilo)
    {
        var found = new List<(string, int)>();
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = cluster.Balancer };
        for (var i = 0; i < 500 && found.Count < 3 * perSilo; i++)
        {
            var cookie = $"wall-{i}";
            using var request = new HttpRequestMessage(HttpMethod.Get, "/hubs/operations");   // 401 here; the header names the silo
            request.Headers.Add("Cookie", $"lt_affinity={cookie}");
            using var response = await http.SendAsync(request);
            var silo = cluster.SiloOfUpstream(response.Headers.GetValues("X-Liberterra-Upstream").Single());
            if (found.Count(f => f.Item2 == silo) < perSilo) found.Add((cookie, silo));
        }

        Assert.Equal(3 * perSilo, found.Count);
        return found;
    }

    private static async Task<List<TimelineEntry>> Timeline(HttpClient http, string op, string kind)
    {
        var all = new List<TimelineEntry>();
        long after = 0;
        while (true)
        {
            var page = (await http.GetFromJsonAsync<TimelinePage>($"/api/operations/{op}/timeline?kind={kind}&limit=1000&after={after}", Json))!;
            all.AddRange(page.Events);
            if (page.Next is not { } next) return all;
            after = next;
        }
    }

    private static Task<string> Define(HttpClient http, int teams) =>
        TestOperations.DefineAsync(http, "cl", "Cluster test", exercise: true,
            [new { id = "AR", name = "Argentina", countryCode = "AR", centroid = new { latitude = -34.6, longitude = -64.2 } }],
            Enumerable.Range(0, teams).Select(i => (object)new { id = $"T{i}", kind = "RaidTeam", regionId = "AR", callSign = $"Condor {i}", agency = "Police" }));

    internal static async Task<HttpResponseMessage> PostReport(Uri server, string op, string team, object body, string key)
    {
        using var http = TestAuth.Client(server, TestAuth.Token(Roles.TeamLead, team));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/operations/{op}/teams/{team}/reports") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return await http.SendAsync(request);
    }
}

/// <summary>
/// Team leads posting through the balancer, 40 reports a second, each retried with the same key until it is
/// acknowledged, backing off as the field page does (0.5, 1, 2, 4, 8 s, and never sooner than Retry-After). Counts
/// failed attempts and which silo answered.
/// </summary>
internal sealed class FieldLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, int> _acked = new();       // key → children
    private readonly ConcurrentDictionary<int, int> _servedBy = new();
    private readonly ConcurrentDictionary<string, int> _errors = new();
    private readonly ConcurrentBag<Task> _reports = [];
    private readonly Dictionary<string, HttpClient> _leads;
    private readonly LocalCluster _cluster;
    private readonly string _op;
    private readonly Task _loop;
    private int _failed;
    private long _lastError = Stopwatch.GetTimestamp();

    public FieldLoad(LocalCluster cluster, string op, string[] teams)
    {
        _cluster = cluster;
        _op = op;
        _leads = teams.ToDictionary(t => t, t =>
        {
            var http = TestAuth.Client(cluster.Balancer, TestAuth.Token(Roles.TeamLead, t));
            http.Timeout = TimeSpan.FromSeconds(10);
            return http;
        });
        _loop = Task.Run(Loop);
    }

    public int Acked => _acked.Count;

    public IEnumerable<string> Keys => _acked.Keys;

    public int Children => _acked.Values.Sum();

    public int FailedAttempts => Volatile.Read(ref _failed);

    public TimeSpan SinceLastError => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastError));

    public IEnumerable<string> ErrorKinds => _errors.Select(e => $"{e.Key} x{e.Value}");

    public int ServedBy(int silo) => _servedBy.GetValueOrDefault(silo);

    private async Task Loop()
    {
        var teams = _leads.Keys.ToArray();
        for (var i = 0; !_stop.IsCancellationRequested; i++)
        {
            var team = teams[i % teams.Length];
            var children = i % 3;
            _reports.Add(Report(team, $"load-{i:D6}", children));
            try { await Task.Delay(25, _stop.Token); } catch (OperationCanceledException) { }
        }
    }

    private async Task Report(string team, string key, int children)
    {
        var deadline = Stopwatch.StartNew();
        for (var attempt = 1; deadline.Elapsed < TimeSpan.FromSeconds(120); attempt++)
        {
            var wait = TimeSpan.FromMilliseconds(Math.Min(8000, 250 * (1 << Math.Min(attempt, 6))));
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/operations/{_op}/teams/{team}/reports")
                {
                    Content = JsonContent.Create(new { children, arrested = 1, note = "cluster test" }),
                };
                request.Headers.Add("Idempotency-Key", key);
                using var response = await _leads[team].SendAsync(request);
                if (response.IsSuccessStatusCode)
                {
                    _acked[key] = children;
                    if (response.Headers.TryGetValues("X-Liberterra-Upstream", out var upstream))
                        _servedBy.AddOrUpdate(_cluster.SiloOfUpstream(upstream.Last()), 1, (_, n) => n + 1);
                    return;
                }

                Failed(response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is null
                    ? "503 without Retry-After" : $"{(int)response.StatusCode}");
                if (response.Headers.RetryAfter?.Delta is { } after && after > wait) wait = after;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Failed(e.GetType().Name);
            }

            await Task.Delay(wait);
        }

        throw new TimeoutException($"report {key} never acknowledged; failed attempts: {string.Join("; ", ErrorKinds)}");
    }

    private void Failed(string kind)
    {
        Interlocked.Increment(ref _failed);
        Interlocked.Exchange(ref _lastError, Stopwatch.GetTimestamp());
        _errors.AddOrUpdate(kind, 1, (_, n) => n + 1);
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        await Task.WhenAll(_reports);
    }

    public async ValueTask DisposeAsync()
    {
        // After a failed test: stop, without hiding that failure behind the load's own.
        await _stop.CancelAsync();
        await Task.WhenAll(_reports.Append(_loop)).ContinueWith(_ => { }, TaskScheduler.Default);
        foreach (var http in _leads.Values) http.Dispose();
    }
}
