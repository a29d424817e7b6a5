using System.Net;
using System.Net.Sockets;

namespace Liberterra.Command.Testing;

public static class Ports
{
    /// <summary>A TCP port free on the loopback interface right now.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Where things are in the repository, seen from a test's output folder.</summary>
public static class Repository
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Liberterra.Command.sln"))) return dir.FullName;
            }

            throw new InvalidOperationException("Liberterra.Command.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The built <c>liberterra</c> CLI, in the same configuration as the running tests.</summary>
    public static string Cli => Built("Liberterra.Command.Cli", "liberterra.dll");

    /// <summary>The built <c>liberterra-bench</c> benchmark harness, in the same configuration as the running tests.</summary>
    public static string Bench => Built("Liberterra.Command.Bench", "liberterra-bench.dll");

    private static string Built(string project, string assembly)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var path = Path.Combine(Root, "src", project, "bin", configuration, "net10.0", assembly);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} first.", path);
    }
}
