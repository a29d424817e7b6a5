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
/// flowing; one silo is SIGKILLed; later a silo is added under load.
/// </summary>
public class FailoverTests(ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task a_silo_killed_under_load_loses_nothing_and_a_silo_added_under_load_takes_work()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("cluster");
        // Check-ins compressed so that the overdue reminder can be seen firing within the test: a team silent for
        // 15 s is overdue; the reminder that brings an operation back after its silo died comes every 3 s.
        await using var cluster = await LocalCluster.StartAsync(connectionString, 3,
            "--Silo:CheckInInterval=00:00:15 --Silo:CheckInScan=00:00:01 --Silo:CheckInReminder=00:00:03");
        try
        {
            await Run(cluster);
        }
        catch
        {
            output.WriteLine(cluster.Logs());
            throw;
        }
    }

    private async Task Run(LocalCluster cluster)
    {
        var clock = Stopwatch.StartNew();
        void Say(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s  {what}");
        var adminToken = TestAuth.Token(Roles.Admin);
        using var admin = TestAuth.Client(cluster.Balancer, adminToken);
        var op = await Define(admin, 4);
        var quiet = await Define(admin, 1);

        // The quiet operation: one team checks in once, then nothing. The silo its grain lives on is the one to kill,
        // so that only the durable reminder, firing on a survivor, can flag the team overdue.
        Assert.Equal(HttpStatusCode.Created, (await PostReport(cluster.Balancer, quiet, "T0", new { status = "Briefed" }, Guid.NewGuid().ToString())).StatusCode);
        var quietHost = (await admin.GetFromJsonAsync<JsonElement>($"/api/cluster/operations/{quiet}", Json)).GetProperty("silo").GetString()!;
        var victim = Enumerable.Range(1, 3).Single(i => cluster.IsSilo(quietHost, i));
        var survivors = Enumerable.Range(1, 3).Where(i => i != victim).ToArray();
        Say($"quiet operation's grain on silo {victim}: that one will be killed");

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

        var killedAt = DateTimeOffset.UtcNow;
        await cluster.Kill(victim);
        Say($"silo {victim} killed after {load.Acked} acknowledged reports");

        // The survivors declare it dead (Orleans' membership, through PostgreSQL).
        using var onSurvivor = TestAuth.Client(cluster.Silo(survivors[0]), TestAuth.Token(Roles.Admin));
        await Wait.Until(async () => await onSurvivor.GetFromJsonAsync<JsonElement>("/api/cluster", Json),
            c => c.GetProperty("silos").EnumerateArray().Any(m => cluster.IsSilo(m.GetProperty("address").GetString()!, victim) && m.GetProperty("status").GetString() == "Dead"),
            TimeSpan.FromSeconds(90), "the killed silo to be declared dead");
        Say($"silo {victim} declared dead");

        // The overdue check-in is flagged although the silo that held the operation (and its timer) is gone.
        var overdue = await Wait.Until(async () => await Timeline(admin, quiet, "CheckInOverdue"), e => e.Count > 0,
            TimeSpan.FromSeconds(90), "the quiet team to be flagged overdue by the reminder");
        Assert.True(overdue[0].ServerTime > killedAt, "flagged after the kill, so by a reactivation on a survivor");
        Say("quiet team flagged overdue");

        // A silo joins under load: the balancer sends it work and nothing fails meanwhile.
        await Wait.Until(() => Task.FromResult(load.SinceLastError), t => t > TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(60),
            $"reports to flow cleanly again ({string.Join("; ", load.ErrorKinds)})");
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

        // Walls on the survivors kept receiving: not one gap, reconnect or fresh snapshot.
        Assert.All(walls.Where(w => w.Silo != victim).Select(w => w.Wall).Append(addedWall), w =>
        {
            Assert.Equal(0, w.Gaps);
            Assert.Equal(0, w.Reconnects);
            Assert.Equal(0, w.Resyncs);
        });

        // Walls on the dead silo (through the balancer) reconnected to a survivor and resynced.
        Assert.All(walls.Where(w => w.Silo == victim).Select(w => w.Wall), w =>
        {
            Assert.True(w.Reconnects >= 1, w.ToString());
            Assert.True(w.Resyncs >= 1, w.ToString());
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
/// acknowledged (as the field page and the CLI do). Counts failed attempts and which silo answered.
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
        while (deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
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

                Failed($"{(int)response.StatusCode}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Failed(e.GetType().Name);
            }

            await Task.Delay(250);
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
