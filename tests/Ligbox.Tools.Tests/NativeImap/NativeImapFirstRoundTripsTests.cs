using System.Net;
using System.Net.Sockets;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// Issue 18, row 3 (many small mailboxes): what a mailbox costs before and around its first messages. Both logins at
/// once, no counters asked of a destination an initial pass has no checkpoint to check against, and a folder's first
/// APPEND after a quarter of it is read.
/// </summary>
[Collection(ImapServersCollection.Name)]
public sealed class NativeImapFirstRoundTripsTests(ImapServersFixture servers)
{
    [Fact]
    public async Task BothLoginsOfALane_StartAtOnce()
    {
        // Two listeners that accept and never greet: the source's waits (up to 10 s) for the destination's connect.
        // Logged in one after the other, the destination would only be connected after the source's login ended.
        using var sourceListener = new TcpListener(IPAddress.Loopback, 0);
        using var destinationListener = new TcpListener(IPAddress.Loopback, 0);
        sourceListener.Start();
        destinationListener.Start();
        var destinationConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var destinationAccept = Task.Run(async () =>
        {
            using var client = await destinationListener.AcceptTcpClientAsync();
            destinationConnected.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(15));
        });
        var sourceAccept = sourceListener.AcceptTcpClientAsync();
        var sawDestinationWhileSourceWaited = Task.Run(async () =>
        {
            await sourceAccept;
            return await Task.WhenAny(destinationConnected.Task, Task.Delay(TimeSpan.FromSeconds(10))) == destinationConnected.Task;
        });
        var connector = new ImapConnector(new NativeImapOptions { Timeout = TimeSpan.FromSeconds(12) }, new ImapCommandCounter());
        using var cancel = new CancellationTokenSource();
        var open = connector.OpenPairAsync(
            new ImapEndpoint("127.0.0.1", ((IPEndPoint)sourceListener.LocalEndpoint).Port, ImapSecurity.None, "a", "x"),
            new ImapEndpoint("127.0.0.1", ((IPEndPoint)destinationListener.LocalEndpoint).Port, ImapSecurity.None, "b", "y"),
            wait: true, cancel.Token);

        Assert.True(await sawDestinationWhileSourceWaited, "the destination was not connected while the source's login was under way");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => open);
        (await sourceAccept).Dispose();
    }

    [Fact]
    public async Task ALaneWhoseDestinationLoginFails_ClosesItsSource_AndGivesBothSlotsBack()
    {
        var source = servers.NewAccount(servers.Source, "trips-src");
        var destination = servers.NewAccount(servers.Destination, "trips-dst");
        var connector = new ImapConnector(new NativeImapOptions { MaxConnectionsPerServer = 1 }, new ImapCommandCounter());

        var error = await Assert.ThrowsAsync<ImapSyncException>(() => connector.OpenPairAsync(source, destination with { Secret = "wrong" }, wait: true));
        Assert.Equal(ImapSide.Destination, error.Failure.Side);
        Assert.Equal(ImapFailureKind.AuthenticationFailed, error.Failure.Kind);

        // One slot per server: had either slot been kept, this would wait for ever (cancelled after 30 s).
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var pair = await connector.OpenPairAsync(source, destination, wait: true, timeout.Token);
        Assert.NotNull(pair);
        using (pair.Value.Source)
        using (pair.Value.Destination)
        {
            Assert.True(pair.Value.Source.Client.IsAuthenticated && pair.Value.Destination.Client.IsAuthenticated);
            // Both slots are taken now: without waiting, no second pair.
            Assert.Null(await connector.OpenPairAsync(source, destination, wait: false));
        }
    }
}
