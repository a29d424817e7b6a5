using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Liberterra.Command.Storage;
using Npgsql;

namespace Liberterra.Command.Testing;

/// <summary>
/// A real PostgreSQL server for tests. <see cref="Shared"/> is the one <c>deploy/test.sh</c> started (environment
/// <c>LIBERTERRA_TEST_PG</c>) or, when a test runs alone, a throwaway cluster started for this process.
/// <see cref="StartPrivateAsync"/> gives a test its own cluster, for tests that stop and start it.
/// Each fixture takes its own database from it, so tests are isolated.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    public const string EnvironmentVariable = "LIBERTERRA_TEST_PG";

    private static readonly Lazy<Task<PostgresCluster>> SharedCluster = new(CreateShared);
    private readonly string? _dataDir;
    private readonly string? _binDir;
    private readonly int _port;

    private PostgresCluster(string adminConnectionString, string? dataDir, string? binDir, int port)
    {
        AdminConnectionString = adminConnectionString;
        _dataDir = dataDir;
        _binDir = binDir;
        _port = port;
    }

    /// <summary>A connection string to the cluster's <c>postgres</c> database as a superuser.</summary>
    public string AdminConnectionString { get; }

    public static Task<PostgresCluster> Shared() => SharedCluster.Value;

    /// <summary>A cluster of the test's own (initdb ~1 s), removed when disposed.</summary>
    public static async Task<PostgresCluster> StartPrivateAsync()
    {
        var bin = FindBinDir();
        var data = Path.Combine(Path.GetTempPath(), $"liberterra-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(data);
        await Chown(data);
        await RunAsPostgres(Path.Combine(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        var port = FreePort();
        var cluster = new PostgresCluster(
            $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=5;Command Timeout=30", data, bin, port);
        await cluster.StartAsync();
        return cluster;
    }

    /// <summary>Starts the server (again). Only for clusters this process started.</summary>
    public async Task StartAsync()
    {
        RequireOwned();
        await RunAsPostgres(Path.Combine(_binDir!, "pg_ctl"), "-D", _dataDir!, "-l", Path.Combine(_dataDir!, "server.log"), "-w",
            "-t", "60", "-o", $"-p {_port} -k {_dataDir} -c listen_addresses=127.0.0.1 -c max_connections=300", "start");
    }

    /// <summary>Stops the server at once (fast shutdown: connections are cut, committed data is kept).</summary>
    public async Task StopAsync()
    {
        RequireOwned();
        await RunAsPostgres(Path.Combine(_binDir!, "pg_ctl"), "-D", _dataDir!, "-w", "-t", "60", "-m", "fast", "stop");
    }

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)].ToLowerInvariant();
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        await admin.OpenAsync();
        await using (var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin))
            await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Creates a database with every migration applied.</summary>
    public async Task<string> CreateMigratedDatabaseAsync(string prefix = "test")
    {
        var connectionString = await CreateDatabaseAsync(prefix);
        await using var db = NpgsqlDataSource.Create(connectionString);
        await SchemaMigrator.MigrateAsync(db);
        return connectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataDir is null) return;
        NpgsqlConnection.ClearAllPools();
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // Already stopped by the test.
        }

        Directory.Delete(_dataDir, recursive: true);
    }

    private static async Task<PostgresCluster> CreateShared()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
            return new PostgresCluster(given, null, null, 0);

        var cluster = await StartPrivateAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return cluster;
    }

    private void RequireOwned()
    {
        if (_dataDir is null)
            throw new InvalidOperationException("This cluster was started outside the tests; use StartPrivateAsync to stop and start one.");
    }

    private static string FindBinDir()
    {
        var root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException(
            "PostgreSQL is not installed. Run the tests with `bash deploy/test.sh` (it installs it), or `apt-get install -y postgresql`.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // initdb and postgres refuse to run as root; the tests may run as root (CI) or as a normal user.
    private static bool IsRoot => Environment.UserName == "root";

    private static Task Chown(string path) => IsRoot ? Run("chown", ["postgres:postgres", path]) : Task.CompletedTask;

    private static Task RunAsPostgres(string program, params string[] args) =>
        IsRoot ? Run("runuser", ["-u", "postgres", "--", program, .. args]) : Run(program, args);

    private static async Task Run(string program, string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}");
    }
}
