using System.Net;
using System.Net.Sockets;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// A TCP relay to a local port for forcing faults between the engine and a real server: every connection accepted is
/// paired with one to the target, and the subclass pumps the two directions.
/// </summary>
internal abstract class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _sockets = [];
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;
    private readonly int _target;

    protected TcpRelay(int target)
    {
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Cancelled when the relay is disposed.</summary>
    protected CancellationToken Stopping => Stop.Token;

    private CancellationTokenSource Stop { get; } = new();

    /// <summary>The two pumps of one relayed connection (client to server, server to client).</summary>
    protected abstract IEnumerable<Task> Pumps(TcpClient client, TcpClient server);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(Stopping);
                var server = new TcpClient();
                await server.ConnectAsync(IPAddress.Loopback, _target, Stopping);
                lock (_sockets)
                {
                    _sockets.Add(client);
                    _sockets.Add(server);
                    _pumps.AddRange(Pumps(client, server));
                }
            }
        }
        catch (Exception) when (Stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Reads a client's bytes line by line (every IMAP command line ends with CRLF) and hands each line on, until the
    /// input ends or <paramref name="onLine"/> returns <c>false</c>.
    /// </summary>
    protected async Task ReadLinesAsync(NetworkStream input, Func<byte[], Task<bool>> onLine)
    {
        var buffer = new byte[64 * 1024];
        var pending = new List<byte>();
        int read;
        while ((read = await input.ReadAsync(buffer, Stopping)) > 0)
        {
            pending.AddRange(buffer.AsSpan(0, read));
            int end;
            while ((end = pending.IndexOf((byte)'\n')) >= 0)
            {
                var line = pending.GetRange(0, end + 1).ToArray();
                pending.RemoveRange(0, end + 1);
                if (!await onLine(line))
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Runs one direction's pump until its input ends (then shuts down the output's sending side); a connection closed
    /// by either end, or the relay's disposal, ends it quietly.
    /// </summary>
    protected async Task PumpAsync(TcpClient from, TcpClient to, Func<NetworkStream, NetworkStream, Task> pump)
    {
        try
        {
            await pump(from.GetStream(), to.GetStream());
            to.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception) when (Stop.IsCancellationRequested || from.Connected is false || to.Connected is false)
        {
        }
        catch (IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stop.CancelAsync();
        _listener.Stop();
        Task[] pumps;
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps.Append(_accepting)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Stop.Dispose();
    }
}
