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
