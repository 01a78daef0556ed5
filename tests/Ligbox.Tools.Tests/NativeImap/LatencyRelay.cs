using System.Net;
using System.Net.Sockets;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>A TCP relay to a local port that delays every chunk the server sends by a fixed time.</summary>
internal sealed class LatencyRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _sockets = [];
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;
    private readonly int _target;
    private readonly TimeSpan _delay;

    public LatencyRelay(int target, TimeSpan delay)
    {
        (_target, _delay) = (target, delay);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var server = new TcpClient();
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                lock (_sockets)
                {
                    _sockets.Add(client);
                    _sockets.Add(server);
                    _pumps.Add(PumpAsync(client, server, TimeSpan.Zero));
                    _pumps.Add(PumpAsync(server, client, _delay));
                }
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, TimeSpan delay)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var input = from.GetStream();
            var output = to.GetStream();
            int read;
            while ((read = await input.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _stop.Token);
                }

                await output.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }

            to.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception) when (_stop.IsCancellationRequested || from.Connected is false || to.Connected is false)
        {
        }
        catch (IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
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
        _stop.Dispose();
    }
}
