using System.Text.Json;
using Liberterra.Command.Access;
using Liberterra.Command.Server.Tak;
using Liberterra.Command.Testing;
using Microsoft.Extensions.DependencyInjection;

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
            Assert.Contains("highest passing rate (p99 report-to-wall under 5,000 ms or its floors + 50 ms, nothing lost, 90 % acknowledged): 60 reports/s", run.Out);
            Assert.Contains("membership after the run: 0 silo(s) declared dead", run.Out);

            var result = JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement;
            Assert.Equal(60, result.GetProperty("stepBestRate").GetInt32());
            Assert.Equal(0, result.GetProperty("deadSilos").GetInt32());
            Assert.Equal(50, result.GetProperty("floorMarginMs").GetDouble());
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
                // CPU per acknowledged report: the "servers" (this test process) over the acknowledged reports.
                Assert.True(row.GetProperty("cpuMsPerReport").GetDouble() > 0);
                // The distress presses made during the step reached both walls, each measured.
                Assert.Equal(3, row.GetProperty("presses").GetInt32());
                Assert.Equal(6, row.GetProperty("alarm").GetProperty("count").GetInt32());
                Assert.Equal(0, row.GetProperty("alarmLost").GetInt64());
            }

            // The comparison of three such runs (bench.sh scale): the same run three times gives ratios of 1.
            var compared = await Bench(null, "compare", "scale", "--one", json, "--memory", json, "--three", json, "--cpu-rate", "40");
            Assert.True(compared.Exit == 0, compared.Out + compared.Err);
            Assert.Contains("3 silos ÷ 1 silo, step rate: **1.00**", compared.Out);
            Assert.Contains("3 silos ÷ 1 silo, CPU per report at 40/s: **1.00**", compared.Out);
            Assert.Contains("PostgreSQL ÷ memory, 1 silo, step rate: **1.00**", compared.Out);
            Assert.Contains("| 1 silo, PostgreSQL | 60/s |", compared.Out);
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task bench_compare_failover_gives_the_memory_ratio_and_the_time_to_reports()
    {
        string Write(int events, double after, double resumed)
        {
            var file = Path.Combine(Path.GetTempPath(), $"liberterra-failover-{Guid.NewGuid():N}.json");
            File.WriteAllText(file, JsonSerializer.Serialize(new
            {
                events, activationSeconds = 1.0, declaredSeconds = 1.2, resumedAfterDeclaredSeconds = resumed, killToResumedSeconds = 1.2 + resumed,
                survivorRssBeforeMb = 230.0, survivorRssAfterMb = after, survivorPeakMb = after, retryAnswered = true, reuseRefused = true, timelineExact = true, failed = 3,
            }));
            return file;
        }

        var small = Write(10_000, 250, 0.3);
        var large = Write(1_000_000, 275, 0.5);
        try
        {
            var run = await Bench(null, "compare", "failover", "--small", small, "--large", large);
            Assert.True(run.Exit == 0, run.Out + run.Err);
            Assert.Contains("after taking the short one: **1.10**", run.Out);
            Assert.Contains("declared dead → reports again: **0.50 s**", run.Out);
            Assert.Contains("| 1,000,000 | 1.20 | 0.50 | 1.70 | 230 → 275 (+45) | True / True / True |", run.Out);
        }
        finally
        {
            File.Delete(small);
            File.Delete(large);
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
    [Fact]
    public async Task bench_tak_enrols_and_connects_devices_and_matches_every_position_to_its_arrival_on_every_wall()
    {
        // The data package names the CoT port the devices connect to: a fixed free one, not 0.
        var folder = Directory.CreateTempSubdirectory("bench-tak-").FullName;
        await using var tak = await InProcessServer.StartOnNewDatabaseAsync("bench-tak", "--Tak:Enabled=true", $"--Tak:Port={Ports.Free()}",
            $"--Tak:CaFile={Path.Combine(folder, "ca.p12")}", "--Tak:SampleSeconds=0");
        await tak.Services.GetRequiredService<TakEndpoint>().Listening;
        var json = Path.Combine(folder, "tak.json");
        try
        {
            var run = await CommandRun.StartAsync(tak.Address, Repository.Bench, TestAuth.Token(Roles.Admin), null,
                ["tak", "--devices", "4", "--interval", "0.5", "--walls", "2", "--seconds", "2", "--warmup", "1", "--sample-seconds", "0",
                 "--server-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", json]);
            Assert.True(run.Exit == 0, run.Out + run.Err);
            Assert.Contains("4 devices connected over TLS", run.Out);

            var result = JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement;
            var sent = result.GetProperty("sent").GetInt32();
            Assert.True(sent > 0);
            // Tak:SampleSeconds=0: every position sent was committed, and each reached both walls once.
            Assert.Equal(sent, result.GetProperty("committed").GetInt32());
            Assert.Equal(2 * sent, result.GetProperty("toWall").GetProperty("count").GetInt32());
            Assert.Equal(sent, result.GetProperty("seenOnAnyWall").GetInt32());
            foreach (var none in new[] { "lost", "duplicated", "errorCount", "cutOff" })
                Assert.Equal(0, result.GetProperty(none).GetInt64());
            // Each committed position is pushed to every device (its team moved), and the server's CPU counted per position.
            Assert.True(result.GetProperty("eventsToDevicesPerSecond").GetDouble() > 0);
            Assert.True(result.GetProperty("cpuMsPerReceived").GetDouble() > 0);
            Assert.True(result.GetProperty("toWall").GetProperty("p90").GetDouble() > 0);

            var compared = await Bench(null, "compare", "tak", "--every", json, "--sampled", json);
            Assert.True(compared.Exit == 0, compared.Out + compared.Err);
            Assert.Contains("every position stored ÷ sampled: **1.00**", compared.Out);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
