using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// A TCP relay to a local IMAP port that answers the first <c>refusals</c> SELECTs or EXAMINEs of one folder itself,
/// with NO "Mailbox already exists", as Dovecot 2.3 answers one of two connections that open a new account's
/// auto-created folders at once. Every other command and answer passes through.
/// </summary>
internal sealed partial class RefusingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _sockets = [];
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;
    private readonly int _target;
    private readonly string _folder;
    private int _refusalsLeft;

    public RefusingRelay(int target, string folder, int refusals)
    {
        (_target, _folder, _refusalsLeft) = (target, folder, refusals);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many SELECTs or EXAMINEs of the folder were answered NO by the relay.</summary>
    public int Refused { get; private set; }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var server = new TcpClient();
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                var toClient = new SemaphoreSlim(1, 1);
                lock (_sockets)
                {
                    _sockets.Add(client);
                    _sockets.Add(server);
                    _pumps.Add(ClientToServerAsync(client, server, toClient));
                    _pumps.Add(ServerToClientAsync(server, client, toClient));
                }
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Forwards the client's bytes line by line (every command ends with CRLF), keeping back the refused ones.</summary>
    private async Task ClientToServerAsync(TcpClient from, TcpClient to, SemaphoreSlim toClient)
    {
        var buffer = new byte[64 * 1024];
        var pending = new List<byte>();
        try
        {
            var input = from.GetStream();
            var output = to.GetStream();
            int read;
            while ((read = await input.ReadAsync(buffer, _stop.Token)) > 0)
            {
                pending.AddRange(buffer.AsSpan(0, read));
                int end;
                while ((end = pending.IndexOf((byte)'\n')) >= 0)
                {
                    var line = pending.GetRange(0, end + 1).ToArray();
                    pending.RemoveRange(0, end + 1);
                    if (Refuse(line) is { } tag)
                    {
                        await toClient.WaitAsync(_stop.Token);
                        try
                        {
                            await from.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"{tag} NO [ALREADYEXISTS] Mailbox already exists (0.001 + 0.000 secs).\r\n"), _stop.Token);
                        }
                        finally
                        {
                            toClient.Release();
                        }

                        continue;
                    }

                    await output.WriteAsync(line, _stop.Token);
                }
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

    private async Task ServerToClientAsync(TcpClient from, TcpClient to, SemaphoreSlim toClient)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var input = from.GetStream();
            var output = to.GetStream();
            int read;
            while ((read = await input.ReadAsync(buffer, _stop.Token)) > 0)
            {
                await toClient.WaitAsync(_stop.Token);
                try
                {
                    await output.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                }
                finally
                {
                    toClient.Release();
                }
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

    /// <summary>The command's tag when it is a SELECT or EXAMINE of the folder still to be refused.</summary>
    private string? Refuse(byte[] line)
    {
        var match = OpenCommand().Match(Encoding.UTF8.GetString(line));
        if (!match.Success || match.Groups["folder"].Value != _folder)
        {
            return null;
        }

        lock (_sockets)
        {
            if (_refusalsLeft == 0)
            {
                return null;
            }

            _refusalsLeft--;
            Refused++;
        }

        return match.Groups["tag"].Value;
    }

    [GeneratedRegex(@"^(?<tag>\S+) (?:SELECT|EXAMINE) ""?(?<folder>[^""\s]+)""?(?: \(.*\))?\r?\n$", RegexOptions.IgnoreCase)]
    private static partial Regex OpenCommand();

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
