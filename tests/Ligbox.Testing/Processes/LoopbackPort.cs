using System.Net;
using System.Net.Sockets;

namespace Ligbox.Testing.Processes;

/// <summary>Ports for the servers and processes the tests start on 127.0.0.1.</summary>
/// <remarks>
/// The ports come from below the kernel's ephemeral range (<c>net.ipv4.ip_local_port_range</c>). A port the
/// system hands out for a listener on port 0 is an ephemeral port, and every outgoing connection of the
/// parallel suite draws from the same range: between our probe and the server's bind, a client socket
/// could take it ("Address already in use"). Below the range only another listener competes, and each
/// process walks its own stretch of it, starting at a place derived from its process id.
/// </remarks>
public static class LoopbackPort
{
    private const int Lowest = 10_000;
    private static readonly int Highest = EphemeralStart() - 1;
    private static int _next = StartFor(Environment.ProcessId);
    private static readonly object Gate = new();

    /// <summary>A port free on 127.0.0.1 a moment ago, outside the range outgoing connections use.</summary>
    public static int Free()
    {
        lock (Gate)
        {
            for (var tries = 0; tries < Highest - Lowest; tries++)
            {
                var port = _next;
                _next = _next >= Highest ? Lowest : _next + 1;
                if (CanListen(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free port on 127.0.0.1 between {Lowest} and {Highest}.");
    }

    /// <summary>Where a process with this id starts looking (in 64 bits: pids go up to 4,194,304).</summary>
    public static int StartFor(int processId) => Lowest + (int)((long)processId * 7919 % Math.Max(1, Highest - Lowest));

    private static bool CanListen(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            if (int.TryParse(range[0], out var start) && start > Lowest + 1_000)
            {
                return start;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 32_768;
    }
}
