using System.Net;
using Liberterra.Command.Testing;
using Microsoft.Extensions.Logging;

namespace Liberterra.Command.Durability.Tests;

/// <summary>Failures for real: the server SIGKILLed under load, PostgreSQL stopped under load.</summary>
public class CrashTests
{
    [Fact]
    public async Task a_server_killed_under_load_loses_no_acknowledged_report_and_counts_none_twice()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("kill");
        var (httpPort, siloPort, gatewayPort, cluster) = (Ports.Free(), Ports.Free(), Ports.Free(), $"kill-{Guid.NewGuid():N}");
        var server = await ServerProcess.StartAsync(connectionString, httpPort, siloPort, gatewayPort, cluster);
        using var http = server.CreateClient();
        http.Timeout = TimeSpan.FromSeconds(10);
        var op = await Scenario.Define(http);

        var load = new ReportLoad();
        var running = load.RunAsync(() => http, op, Scenario.Teams, workers: 12, perWorker: 60, TimeSpan.FromSeconds(120));
        await Wait.Until(() => Task.FromResult(load.Acknowledged.Count), n => n >= 150, what: "150 acknowledged reports");

        await server.KillAsync();
        var acknowledgedBeforeKill = load.Acknowledged.ToDictionary();
        await using var restarted = await ServerProcess.StartAsync(connectionString, httpPort, siloPort, gatewayPort, cluster);
        await running;
        await server.DisposeAsync();

        Assert.Equal(12 * 60, load.Acknowledged.Count);
        Assert.True(acknowledgedBeforeKill.Count < 12 * 60, "the kill happened after all the load: nothing was tested");
        Assert.True(load.ConnectionErrors > 0, "no request was cut by the kill");

        // Every acknowledged report is in the timeline exactly once, with the sequence number it was acknowledged with.
        var keys = await Scenario.KeysInTimeline(connectionString, op);
        Assert.All(load.Acknowledged.Keys, k => Assert.Equal(1, keys.GetValueOrDefault(k)));
        Assert.Equal(12 * 60, keys.Keys.Count(k => k.StartsWith("load-", StringComparison.Ordinal)));
        foreach (var (key, seq) in acknowledgedBeforeKill) Assert.Equal(seq, load.Acknowledged[key]);

        // The totals the server shows are the sum of the timeline rows.
        var state = await Scenario.State(http, op);
        Assert.Equal(12 * 60, state.Totals.Children);
        Assert.Equal(12 * 60, await Scenario.ChildrenInTimeline(connectionString, op));
        await Scenario.AssertGapFree(connectionString, op);
    }

    [Fact]
    public async Task with_postgresql_stopped_reports_get_503_and_the_service_recovers_by_itself()
    {
        await using var pg = await PostgresCluster.StartPrivateAsync();
        var connectionString = await pg.CreateMigratedDatabaseAsync("outage");
        var logs = new CapturedLogs();
        await using var server = await InProcessServer.StartAsync(connectionString, null,
            (Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) => builder.Logging.AddProvider(logs));
        var op = await Scenario.Define(server.Http);

        var load = new ReportLoad();
        var running = load.RunAsync(() => server.Http, op, Scenario.Teams, workers: 6, perWorker: 80, TimeSpan.FromSeconds(120));
        await Wait.Until(() => Task.FromResult(load.Acknowledged.Count), n => n >= 60, what: "60 acknowledged reports");

        using var anonymous = server.Client(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
        await pg.StopAsync();
        var acknowledgedBeforeOutage = load.Acknowledged.ToDictionary();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await anonymous.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        await Wait.Until(() => Task.FromResult(load.Failures.Count), n => n >= 10, TimeSpan.FromSeconds(30), "refusals during the outage");
        var duringOutage = load.Acknowledged.Count;
        await pg.StartAsync();
        await running;
        await Wait.Until(() => anonymous.GetAsync("/health/ready"), r => r.StatusCode == HttpStatusCode.OK, what: "readiness after the outage");

        // While PostgreSQL was down, reports were refused as retryable, never acknowledged.
        Assert.All(load.Failures, f =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, f.Status);
            Assert.Equal("1", f.RetryAfter);
            Assert.Equal("application/problem+json", f.ContentType);
        });
        Assert.True(duringOutage - acknowledgedBeforeOutage.Count <= 6, "reports were acknowledged while the database was down");

        // The refusals are counted, not logged one by one: a warning line naming the cause when they start, one with
        // how many when they are over (after 5 s without one); no error, no stack trace.
        var over = await Wait.Until(() => Task.FromResult(Transient(logs)), l => l.Any(e => e.Message.Contains("now over", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the spell of refusals to be said over");
        Assert.All(over, e =>
        {
            Assert.Equal(LogLevel.Warning, e.Level);
            Assert.Null(e.Exception);
            Assert.DoesNotContain('\n', e.Message);
        });
        Assert.Contains(over, e => e.Message.StartsWith("Answering 'retry' (503)", StringComparison.Ordinal)
            && (e.Message.Contains("NpgsqlException", StringComparison.Ordinal) || e.Message.Contains("PostgresException", StringComparison.Ordinal)));
        var counted = over.Where(e => e.Message.Contains("now over", StringComparison.Ordinal))
            .Sum(e => int.Parse(System.Text.RegularExpressions.Regex.Match(e.Message, @"Answered 'retry' (\d+) times").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(counted >= load.Failures.Count, $"{counted} refusals counted, {load.Failures.Count} seen");
        Assert.True(over.Count <= 6, $"{over.Count} lines for {counted} refusals");
        Assert.DoesNotContain(logs.Entries, e => e.Category.EndsWith(".ProblemExceptionHandler", StringComparison.Ordinal));

        // Recovered without a restart: everything acknowledged, once, and the totals are the timeline's.
        Assert.Equal(6 * 80, load.Acknowledged.Count);
        var keys = await Scenario.KeysInTimeline(connectionString, op);
        Assert.All(load.Acknowledged.Keys, k => Assert.Equal(1, keys.GetValueOrDefault(k)));
        foreach (var (key, seq) in acknowledgedBeforeOutage) Assert.Equal(seq, load.Acknowledged[key]);
        Assert.Equal(6 * 80, (await Scenario.State(server.Http, op)).Totals.Children);
        Assert.Equal(6 * 80, await Scenario.ChildrenInTimeline(connectionString, op));
        await Scenario.AssertGapFree(connectionString, op);
    }

    private static List<CapturedLogs.Entry> Transient(CapturedLogs logs) =>
        [.. logs.Entries.Where(e => e.Category.EndsWith(".TransientFailures", StringComparison.Ordinal))];
}
