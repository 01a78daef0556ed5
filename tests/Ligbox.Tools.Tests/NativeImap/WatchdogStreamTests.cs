using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Tools.Tests.NativeImap;

public sealed class WatchdogStreamTests
{
    [Fact]
    public async Task CarriesBytesBothWays()
    {
        await using var pair = await ConnectAsync(TimeSpan.FromSeconds(5));
        var (stream, peer) = pair;
        var peerStream = peer.GetStream();

        await stream.WriteAsync("A001 NOOP\r\n"u8.ToArray());
        var received = new byte[11];
        await peerStream.ReadExactlyAsync(received);
        await peerStream.WriteAsync("A001 OK\r\n"u8.ToArray());
        var answer = new byte[9];
        await stream.ReadExactlyAsync(answer, 0, answer.Length);

        Assert.Equal("A001 NOOP\r\n"u8.ToArray(), received);
        Assert.Equal("A001 OK\r\n"u8.ToArray(), answer);
    }

    [Fact]
    public async Task AReadThatWaitsLongerThanTheTimeout_FailsWithATimeout_AndClosesTheConnection()
    {
        await using var pair = await ConnectAsync(TimeSpan.FromMilliseconds(400));
        var (stream, peer) = pair;
        var clock = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => stream.ReadAsync(new byte[16], 0, 16, CancellationToken.None));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
        Assert.Contains("400 milliseconds", ex.Message);
        // The peer sees the connection closed (an end of stream, or a reset since a receive was pending).
        Assert.True(await ClosedAsync(peer));
    }

    [Fact]
    public async Task AWriteThePeerNeverReads_FailsWithATimeout()
    {
        await using var pair = await ConnectAsync(TimeSpan.FromMilliseconds(400));
        var (stream, peer) = pair;
        var chunk = new byte[1024 * 1024];

        // Loopback buffers hold a few MB; the peer reads nothing, so a write soon waits for good.
        await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            for (var i = 0; i < 256; i++)
            {
                await stream.WriteAsync(chunk);
            }
        });
    }

    [Fact]
    public async Task AnIdleConnectionDoesNotTimeOut()
    {
        await using var pair = await ConnectAsync(TimeSpan.FromMilliseconds(200));
        var (stream, peer) = pair;

        // Longer than the timeout with no operation pending (a lane waiting for its next batch), then a read.
        await Task.Delay(700);
        await peer.GetStream().WriteAsync("* OK\r\n"u8.ToArray());
        var answer = new byte[6];
        await stream.ReadExactlyAsync(answer);

        Assert.Equal("* OK\r\n"u8.ToArray(), answer);
    }

    [Fact]
    public async Task ACancelledReadIsCancelled_NotATimeout()
    {
        await using var pair = await ConnectAsync(TimeSpan.FromSeconds(30));
        var (stream, peer) = pair;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.ReadAsync(new byte[16], 0, 16, cancel.Token));
    }

    /// <summary>A WatchdogStream connected to a loopback peer that does only what the test tells it to.</summary>
    private static async Task<Pair> ConnectAsync(TimeSpan timeout)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var stream = await WatchdogStream.ConnectAsync("127.0.0.1", port, timeout, CancellationToken.None);
        return new Pair(stream, await listener.AcceptTcpClientAsync());
    }

    private sealed record Pair(WatchdogStream Stream, TcpClient Peer) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Stream.DisposeAsync();
            Peer.Dispose();
        }
    }

    private static async Task<bool> ClosedAsync(TcpClient peer)
    {
        try
        {
            return await peer.GetStream().ReadAsync(new byte[1]) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
