using System.Diagnostics;
using System.Text;

namespace Liberterra.Command.Testing;

/// <summary>The real server as a child process (<c>dotnet Liberterra.Command.Server.dll</c>), so a test can SIGKILL it.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts the server and waits until it answers HTTP.</summary>
    public static async Task<ServerProcess> StartAsync(string connectionString, int httpPort, int siloPort, int gatewayPort, string clusterId,
        IReadOnlyDictionary<string, string>? environment = null, params string[] extraArguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Liberterra.Command.Server.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        string[] arguments =
        [
            dll, "--urls", $"http://127.0.0.1:{httpPort}", $"--Silo:SiloPort={siloPort}", $"--Silo:GatewayPort={gatewayPort}",
            $"--Silo:ClusterId={clusterId}", "--Logging:LogLevel:Default=Warning", .. TestAuth.ServerArguments, .. extraArguments,
        ];
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["ConnectionStrings__Liberterra"] = connectionString;
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        var server = new ServerProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{httpPort}"));

        using var http = TestAuth.Client(server.Address, TestAuth.Token(Access.Roles.Admin));
        http.Timeout = TimeSpan.FromSeconds(2);
        try
        {
            await Wait.Until(async () =>
            {
                if (server.HasExited) throw new InvalidOperationException($"The server exited during start-up:\n{server.Output}");
                return (await http.GetAsync("/api/operations")).IsSuccessStatusCode;
            }, ok => ok, TimeSpan.FromSeconds(60), "the server to answer");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>A client signed in as an admin.</summary>
    public HttpClient CreateClient() => TestAuth.Client(Address, TestAuth.Token(Access.Roles.Admin));

    /// <summary>SIGKILL: no shutdown, no flushing, exactly as a crash or a power cut of the process.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) await KillAsync();
        _process.Dispose();
    }
}
