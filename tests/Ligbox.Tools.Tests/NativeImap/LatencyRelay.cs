using System.Net.Sockets;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>A TCP relay to a local port that delays every chunk the server sends by a fixed time.</summary>
internal sealed class LatencyRelay(int target, TimeSpan delay) : TcpRelay(target)
{
    protected override IEnumerable<Task> Pumps(TcpClient client, TcpClient server) =>
        [PumpAsync(client, server, (input, output) => CopyAsync(input, output, TimeSpan.Zero)), PumpAsync(server, client, (input, output) => CopyAsync(input, output, delay))];

    private async Task CopyAsync(NetworkStream input, NetworkStream output, TimeSpan wait)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await input.ReadAsync(buffer, Stopping)) > 0)
        {
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, Stopping);
            }

            await output.WriteAsync(buffer.AsMemory(0, read), Stopping);
        }
    }
}
