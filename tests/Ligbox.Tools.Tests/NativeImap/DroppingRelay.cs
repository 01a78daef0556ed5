using System.Net.Sockets;
using System.Text;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// A TCP relay to a local IMAP port that drops the connection (both ends) instead of passing on the first
/// <paramref name="drops"/> commands that contain <paramref name="command"/>, as a server process that dies does.
/// </summary>
internal sealed class DroppingRelay(int target, string command, int drops) : TcpRelay(target)
{
    private int _dropped;

    /// <summary>How many connections were dropped.</summary>
    public int Dropped => Math.Min(drops, Volatile.Read(ref _dropped));

    protected override IEnumerable<Task> Pumps(TcpClient client, TcpClient server) =>
        [PumpAsync(client, server, (input, output) => CommandsAsync(input, output, client, server)), PumpAsync(server, client, (input, output) => input.CopyToAsync(output, Stopping))];

    private Task CommandsAsync(NetworkStream input, NetworkStream output, TcpClient client, TcpClient server) => ReadLinesAsync(input, async line =>
    {
        if (Encoding.ASCII.GetString(line).Contains(command, StringComparison.Ordinal) && Interlocked.Increment(ref _dropped) <= drops)
        {
            client.Client.Close();
            server.Client.Close();
            return false;
        }

        await output.WriteAsync(line, Stopping);
        return true;
    });
}
