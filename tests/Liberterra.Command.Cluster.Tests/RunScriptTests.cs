using System.Diagnostics;
using System.Net.Sockets;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Cluster.Tests;

/// <summary>
/// <c>deploy/run.sh</c>, the README's run command, as a newcomer runs it (with the test's own build and a data folder
/// of its own): whatever happens to the server, the script stops what it started.
/// </summary>
public class the_run_script
{
    [Fact]
    public async Task stops_its_postgresql_when_the_server_dies()
    {
        var data = Directory.CreateTempSubdirectory("liberterra-run-").FullName;
        // The postgres user runs the cluster in data/pg and must be able to reach it.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(data, (UnixFileMode)0b111_101_101);
        var pgPort = Ports.Free();
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Repository.Root, "deploy", "run.sh"));
        start.Environment["LIBERTERRA_DATA"] = data;
        start.Environment["LIBERTERRA_BIN"] = AppContext.BaseDirectory;
        start.Environment["LIBERTERRA_CLI"] = Repository.Cli;
        start.Environment["LIBERTERRA_PORT"] = Ports.Free().ToString();
        start.Environment["LIBERTERRA_PG_PORT"] = pgPort.ToString();
        start.Environment.Remove("ConnectionStrings__Liberterra");

        using var script = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var serverPid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? line)
        {
            if (line is null) return;
            lock (output) output.AppendLine(line);
            if (line.StartsWith("==> server process ", StringComparison.Ordinal)) serverPid.TrySetResult(int.Parse(line["==> server process ".Length..]));
            if (line.StartsWith("Liberterra.Command is running", StringComparison.Ordinal)) running.TrySetResult();
        }

        script.OutputDataReceived += (_, e) => Read(e.Data);
        script.ErrorDataReceived += (_, e) => Read(e.Data);
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        try
        {
            var ready = await Task.WhenAny(running.Task, script.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(3)));
            Assert.True(ready == running.Task, "run.sh did not start:\n" + Printed(output));
            Assert.True(PostgresAnswers(pgPort), "PostgreSQL is not running while the server is");

            // The CLI as the README writes it, through the wrapper the script prints: this server, this database.
            var wrapper = Path.Combine(data, "bin", "liberterra");
            Assert.Contains($"export PATH=\"{Path.Combine(data, "bin")}:$PATH\"", Printed(output));
            var status = await Run(wrapper, "status", "--operation", "liberterra-ii");
            Assert.True(status.Exit == 0, status.Text);
            Assert.Contains("Operation Liberterra II", status.Text);
            var db = await Run(wrapper, "db", "status");
            Assert.True(db.Exit == 0, db.Text);
            var audit = await Run(wrapper, "audit", "verify");
            Assert.True(audit.Exit == 0, audit.Text);

            Process.GetProcessById(await serverPid.Task).Kill();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await script.WaitForExitAsync(timeout.Token);

            Assert.NotEqual(0, script.ExitCode);
            Assert.False(PostgresAnswers(pgPort), "run.sh left PostgreSQL running after the server died:\n" + Printed(output));
            Assert.False(File.Exists(Path.Combine(data, "pg", "postmaster.pid")));
            Assert.Contains("==> stopping PostgreSQL", Printed(output));
        }
        finally
        {
            if (!script.HasExited) script.Kill(entireProcessTree: true);
            // Should the script have failed to, stop the cluster so that it does not outlive the test.
            if (File.Exists(Path.Combine(data, "pg", "postmaster.pid")))
            {
                using var stop = Process.Start("bash", ["-c", $"source '{Repository.Root}/deploy/pg.sh' && pg_stop '{data}/pg'"]);
                await stop.WaitForExitAsync();
            }

            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<(int Exit, string Text)> Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        // As in a newcomer's shell: nothing set but what the wrapper sets.
        foreach (var name in new[] { "LIBERTERRA_SERVER", "LIBERTERRA_TOKEN", "ConnectionStrings__Liberterra", "Auth__SigningKeyFile", "LIBERTERRA_CONFIG" })
            start.Environment.Remove(name);
        start.Environment["LIBERTERRA_CONFIG"] = "/nonexistent/liberterra.json";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Printed(System.Text.StringBuilder output)
    {
        lock (output) return output.ToString();
    }

    private static bool PostgresAnswers(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
