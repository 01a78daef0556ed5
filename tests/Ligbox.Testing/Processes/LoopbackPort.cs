using System.Net;
using System.Net.Sockets;

namespace Ligbox.Testing.Processes;

/// <summary>Ports for the servers and processes the tests start on 127.0.0.1.</summary>
public static class LoopbackPort
{
    /// <summary>A port free on 127.0.0.1 a moment ago (the system's choice, released at once).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
