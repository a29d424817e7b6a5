using System.Text.Json;
using Liberterra.Command.Access;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Api.Tests;

/// <summary><c>liberterra-bench</c>, the benchmark harness (a program of its own), as a process against a running server.</summary>
[Collection(ServerCollection.Name)]
public class BenchHarnessTests(ServerFixture server)
{
    private Task<CommandRun> Bench(string? token, params string[] args) =>
        CommandRun.StartAsync(server.Server.Address, Repository.Bench, token, null, args);

    // The floors open connections under open-loop load: on two busy cores (CI, a build beside it) opening one took
    // longer than the test database's 5 s connect timeout once, and the harness stopped. 30 s here.
    private string Connection => new Npgsql.NpgsqlConnectionStringBuilder(server.ConnectionString) { Timeout = 30 }.ConnectionString;

    [Fact]
    public async Task bench_steps_up_the_rate_measures_every_wall_and_writes_json()
    {
        var json = Path.Combine(Path.GetTempPath(), $"liberterra-bench-{Guid.NewGuid():N}.json");
        try
        {
            // Step mode from 40/s, never above 70/s: 40, then 60, then 90 is over the cap, so 60 is the answer. The p99
            // limit is generous: this checks what the benchmark measures and decides, not how fast this machine is.
            var run = await Bench(TestAuth.Token(Roles.Admin), "--connection", Connection, "--rates", "40", "--step",
                "--max-rate", "70", "--p99-limit", "5000", "--walls", "2", "--leads", "3", "--teams", "6", "--seconds", "2", "--warmup", "0", "--prime", "0",
                "--distress", "3", "--server-pids", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", json);
            Assert.True(run.Exit == 0, run.Out + run.Err);
            Assert.Contains("highest rate with p99 report-to-wall under 5,000 ms and nothing lost: 60 reports/s", run.Out);

            var result = JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement;
            Assert.Equal(60, result.GetProperty("stepBestRate").GetInt32());
            var rows = result.GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal([40, 60], rows.Select(r => r.GetProperty("rate").GetInt32()));
            foreach (var row in rows)
            {
                Assert.Equal(0, row.GetProperty("lost").GetInt64());
                Assert.Equal(0, row.GetProperty("duplicated").GetInt64());
                Assert.Equal(0, row.GetProperty("errorCount").GetInt32());
                // Every acknowledged report measured on both walls, and the floors measured in the same run.
                var acked = row.GetProperty("post").GetProperty("count").GetInt32();
                Assert.True(acked > 0);
                Assert.Equal(2 * acked, row.GetProperty("toWall").GetProperty("count").GetInt32());
                Assert.True(row.GetProperty("rawInsert").GetProperty("count").GetInt32() > 0);
                Assert.True(row.GetProperty("broadcast").GetProperty("count").GetInt32() > 0);
                Assert.True(row.GetProperty("wallP50OverFloors").GetDouble() > 0);
                Assert.True(row.GetProperty("serverPeakRssMb").GetDouble() > 0);
                // The distress presses made during the step reached both walls, each measured.
                Assert.Equal(3, row.GetProperty("presses").GetInt32());
                Assert.Equal(6, row.GetProperty("alarm").GetProperty("count").GetInt32());
                Assert.Equal(0, row.GetProperty("alarmLost").GetInt64());
            }
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task bench_storage_measures_durable_reports_beside_its_floors_and_the_same_server_without_a_database()
    {
        await using var memory = await InProcessServer.StartAsync("", null, "--Silo:Storage=Memory");
        var json = Path.Combine(Path.GetTempPath(), $"liberterra-bench-storage-{Guid.NewGuid():N}.json");
        try
        {
            var run = await Bench(TestAuth.Token(Roles.Admin), "storage", "--connection", Connection,
                "--memory-server", memory.Address.ToString(), "--clients", "1,2", "--seconds", "1", "--warmup", "0", "--prime", "0", "--json", json);
            Assert.True(run.Exit == 0, run.Out + run.Err);
            Assert.Contains("no database reports/s ÷ raw", run.Out);

            var rows = JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement.EnumerateArray().ToList();
            Assert.Equal([1, 2], rows.Select(r => r.GetProperty("clients").GetInt32()));
            foreach (var row in rows)
            {
                // Every series measured in the same run: the raw insert, bare HTTP, durable reports, and no database.
                foreach (var series in new[] { "raw", "http", "reports", "memory" })
                {
                    var result = row.GetProperty(series);
                    Assert.True(result.GetProperty("count").GetInt32() > 0, $"{series}: nothing measured");
                    Assert.Equal(0, result.GetProperty("errors").GetInt32());
                    Assert.True(result.GetProperty("p50").GetDouble() > 0, $"{series}: no latency");
                }
            }

            var failed = await Bench(TestAuth.Token(Roles.Admin), "storage", "--connection", Connection,
                "--memory-server", "ftp://example.org", "--clients", "1");
            Assert.NotEqual(0, failed.Exit);
            Assert.Contains("--memory-server must be an http or https address", failed.Err + failed.Out);
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task bench_wall_runs_each_step_through_the_durable_server_and_the_same_server_without_a_database()
    {
        await using var memory = await InProcessServer.StartAsync("", null, "--Silo:Storage=Memory");
        var json = Path.Combine(Path.GetTempPath(), $"liberterra-bench-wall-{Guid.NewGuid():N}.json");
        try
        {
            var run = await Bench(TestAuth.Token(Roles.Admin), "wall", "--connection", Connection,
                "--memory-server", memory.Address.ToString(), "--steps", "20x2", "--teams", "6", "--seconds", "2", "--warmup", "0", "--prime", "0", "--json", json);
            Assert.True(run.Exit == 0, run.Out + run.Err);

            var row = Assert.Single(JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement.EnumerateArray());
            foreach (var path in new[] { "wall", "noDatabase" })
            {
                // Every acknowledged report seen exactly once on both walls, through either server.
                var result = row.GetProperty(path);
                var acked = result.GetProperty("post").GetProperty("count").GetInt32();
                Assert.True(acked > 0, $"{path}: nothing acknowledged");
                Assert.Equal(2 * acked, result.GetProperty("toWall").GetProperty("count").GetInt32());
                Assert.Equal(0, result.GetProperty("lost").GetInt64());
                Assert.Equal(0, result.GetProperty("duplicated").GetInt64());
                Assert.Equal(0, result.GetProperty("errors").GetInt32());
            }

            Assert.True(row.GetProperty("rawInsert").GetProperty("count").GetInt32() > 0);
            Assert.True(row.GetProperty("broadcast").GetProperty("count").GetInt32() > 0);
        }
        finally
        {
            File.Delete(json);
        }
    }
}
