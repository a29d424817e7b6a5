using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace Liberterra.Command.Cluster.Tests;

/// <summary>The server as operators run it: OTLP export by the standard variables, JSON logs, the health endpoints.</summary>
public class ObservabilityTests
{
    [Fact]
    public async Task metrics_and_traces_reach_an_otlp_collector_and_logs_name_operation_team_and_seq_but_never_notes_or_tokens()
    {
        using var collector = new OtlpCollector();
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("otel");
        await using var server = await ServerProcess.StartAsync(connectionString, Ports.Free(), Ports.Free(), Ports.Free(), $"otel-{Guid.NewGuid():N}",
            new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Address,
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            },
            "--Logging:Console:FormatterName=json", "--Logging:LogLevel:Liberterra.Command=Debug");
        using var admin = server.CreateClient();
        var op = $"otel-{Guid.NewGuid():N}"[..16];
        var start = DateTimeOffset.UtcNow.Date.AddDays(-1);
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync($"/api/operations/{op}", new
        {
            name = "Telemetry", windowStart = start, windowEnd = start.AddDays(6), exercise = true,
            regions = new[] { new { id = "AR", name = "Argentina", centroid = new { latitude = -34.6, longitude = -64.2 } } },
            teams = new[] { new { id = "AR-RAID-01", kind = "RaidTeam", regionId = "AR", callSign = "Condor 1", agency = "Police" } },
        })).StatusCode);

        // A wall watching, and a report with a note that must never reach a log.
        var wallToken = TestAuth.Token(Roles.Wall);
        await using var wall = new HubConnectionBuilder()
            .WithUrl(new Uri(server.Address, HubMessages.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(wallToken)).Build();
        var delta = new TaskCompletionSource<OperationDelta>();
        wall.On<OperationDelta[]>(HubMessages.Deltas, b => delta.TrySetResult(b[0]));
        await wall.StartAsync();
        await wall.InvokeAsync<OperationView>("JoinOperation", op);
        var leadToken = TestAuth.Token(Roles.TeamLead, "AR-RAID-01");
        const string note = "Confidential: witness Maria hides at the blue house";
        var response = await FailoverTests.PostReport(server.Address, op, "AR-RAID-01", new { children = 2, note }, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var seq = (await response.Content.ReadFromJsonAsync<ReportAck>())!.Seq;
        Assert.Equal(seq, (await delta.Task.WaitAsync(TimeSpan.FromSeconds(10))).Seq);

        // Metrics: the product's own, Orleans', ASP.NET Core's, SignalR's and Npgsql's; traces: requests, grain calls, SQL.
        string[] metrics =
        [
            "liberterra.reports.accepted", "liberterra.report_to_wall.duration", "liberterra.walls.connected", "liberterra.teams.overdue",
            "Microsoft.Orleans", "http.server.request.duration", "signalr.server.active_connections", "Npgsql",
        ];
        await Wait.Until(() => Task.FromResult(collector.Received("/v1/metrics")), got => metrics.All(got.Contains), TimeSpan.FromSeconds(30),
            $"metrics {string.Join(", ", metrics)}");
        string[] traces = ["Microsoft.AspNetCore", "Microsoft.Orleans.Runtime", "Npgsql", $"/api/operations/{{operationId}}/teams/{{teamId}}/reports"];
        await Wait.Until(() => Task.FromResult(collector.Received("/v1/traces")), got => traces.All(got.Contains), TimeSpan.FromSeconds(30),
            $"traces {string.Join(", ", traces)}");

        // Logs: JSON lines with the operation, team and sequence number as properties.
        await Wait.Until(() => Task.FromResult(server.Output), o => o.Contains($"\"Seq\":{seq}", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the commit's log line");
        var line = server.Output.Split('\n').Single(l => l.Contains($"\"Seq\":{seq}", StringComparison.Ordinal) && l.Contains("committed", StringComparison.Ordinal));
        Assert.Contains($"\"OperationId\":\"{op}\"", line);
        Assert.Contains("\"TeamId\":\"AR-RAID-01\"", line);
        var everything = server.Output + collector.Received("/v1/traces") + collector.Received("/v1/metrics");
        Assert.DoesNotContain("blue house", everything);
        Assert.DoesNotContain(leadToken, everything);
        Assert.DoesNotContain(wallToken, everything);
    }

    /// <summary>A minimal OTLP/HTTP receiver: keeps every request body (protobuf; names appear as UTF-8 strings).</summary>
    private sealed class OtlpCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentDictionary<string, StringBuilder> _bodies = new();

        public OtlpCollector()
        {
            var port = Ports.Free();
            Address = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Address + "/");
            _listener.Start();
            _ = Task.Run(Serve);
        }

        public string Address { get; }

        public string Received(string path)
        {
            var b = _bodies.GetOrAdd(path, _ => new StringBuilder());
            lock (b) return b.ToString();
        }

        private async Task Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                var b = _bodies.GetOrAdd(context.Request.Url!.AbsolutePath, _ => new StringBuilder());
                lock (b) b.Append(Encoding.UTF8.GetString(body.ToArray()));
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}

/// <summary>The container image, compose file, Kubernetes manifests and balancer configuration, checked offline.</summary>
public class DeploymentFilesTests
{
    [Fact]
    public async Task the_deployment_files_pass_the_offline_checks()
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Repository.Root, "deploy", "check-deploy.sh"));
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, output);
        Assert.Matches(@"check-deploy: \d+ passed, 0 failed", output);
    }
}
