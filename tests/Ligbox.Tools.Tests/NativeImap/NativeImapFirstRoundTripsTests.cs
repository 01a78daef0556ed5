using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Ligbox.Tools.NativeImap;
using MailKit;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// Issue 18, row 3 (many small mailboxes): what a mailbox costs before and around its first messages. Both logins at
/// once, no counters asked of a destination an initial pass has no checkpoint to check against, and a folder's first
/// APPEND after a quarter of it is read.
/// </summary>
[Collection(ImapServersCollection.Name)]
public sealed partial class NativeImapFirstRoundTripsTests(ImapServersFixture servers)
{
    [GeneratedRegex(@"^C: \S+ UID FETCH (\S+) \(BODY\.PEEK\[\]\)", RegexOptions.Multiline)]
    private static partial Regex BodyFetch();

    private static SyncRequest Request(ImapEndpoint source, ImapEndpoint destination, SyncKind kind = SyncKind.Initial) =>
        new() { Source = source, Destination = destination, Kind = kind };

    private static string[] ClientLines(string dir, string side) =>
        Directory.GetFiles(dir, $"{side}-*.log").SelectMany(File.ReadAllLines).Where(l => l.StartsWith("C: ", StringComparison.Ordinal)).ToArray();

    [Fact]
    public async Task AnInitialPass_AsksTheDestinationForNoCounters_AndTheNextDeltaStillFindsItsCheckpointsValid()
    {
        var source = servers.NewAccount(servers.Source, "trips-src");
        var destination = servers.NewAccount(servers.Destination, "trips-dst");
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Mailbox.Message("entrada 1", MessageFlags.Seen, day: 1), Mailbox.Message("entrada 2", day: 2));
        await Mailbox.SeedAsync(servers.Source, source, "Projetos", Mailbox.Message("projeto 1", MessageFlags.Flagged, day: 3));
        var state = new InMemorySyncStateStore();
        var initialLogs = Directory.CreateTempSubdirectory("ligbox-trips-").FullName;
        var deltaLogs = Directory.CreateTempSubdirectory("ligbox-trips-").FullName;
        try
        {
            var stats = await new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = initialLogs }).SyncAsync(Request(source, destination), state);

            Assert.Equal(3, stats.MessagesTransferred);
            Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "Projetos"), await Mailbox.SnapshotAsync(servers.Destination, destination, "Projetos"));
            // The destination was listed without STATUS, and no folder was asked for its counters one by one either:
            // its SELECT gave them. The source was listed with them.
            var destinationLines = ClientLines(initialLogs, "destination");
            Assert.Contains(destinationLines, l => l.Contains(" LIST ", StringComparison.Ordinal) && l.Contains("\"*\"", StringComparison.Ordinal));
            Assert.DoesNotContain(destinationLines, l => l.Contains("STATUS", StringComparison.Ordinal));
            Assert.Contains(ClientLines(initialLogs, "source"), l => l.Contains(" LIST ", StringComparison.Ordinal) && l.Contains("STATUS (", StringComparison.Ordinal));

            // The checkpoints hold the destination's real UIDVALIDITY: a no-change delta opens no folder and reads no message.
            var engine = new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = deltaLogs });
            var delta = await engine.SyncAsync(Request(source, destination, SyncKind.Delta), state);

            Assert.Equal(0, delta.MessagesTransferred);
            Assert.Equal(3, delta.MessagesSkipped);
            Assert.Equal(0, engine.Commands.Count("SELECT") + engine.Commands.Count("EXAMINE") + engine.Commands.Count("FETCH"));
            // A delta lists the destination with its counters (that is how it knows nothing changed).
            Assert.Contains(ClientLines(deltaLogs, "destination"), l => l.Contains(" LIST ", StringComparison.Ordinal) && l.Contains("STATUS (", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(initialLogs, recursive: true);
            Directory.Delete(deltaLogs, recursive: true);
        }
    }

    [Fact]
    public async Task AFoldersFirstBodies_AreAQuarterOfIt_SoItsFirstAppendStartsEarly()
    {
        var source = servers.NewAccount(servers.Source, "trips-src");
        var destination = servers.NewAccount(servers.Destination, "trips-dst");
        await Mailbox.SeedAsync(servers.Source, source, "INBOX",
            Enumerable.Range(0, 40).Select(i => Mailbox.Message($"quarto {i}", MessageFlags.Seen, day: (i % 28) + 1)).ToArray());
        var dir = Directory.CreateTempSubdirectory("ligbox-trips-").FullName;
        try
        {
            var stats = await new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = dir }).SyncAsync(Request(source, destination), new InMemorySyncStateStore());

            Assert.Equal(40, stats.MessagesTransferred);
            Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX"));
            // 40 messages fit one unit of the default budget: read as 10, then the other 30 while the 10 are appended.
            var fetches = ClientLines(dir, "source").Select(l => BodyFetch().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
            Assert.Equal(["1:10", "11:40"], fetches);
            Assert.Equal(2, ClientLines(dir, "destination").Count(l => l.Contains(" APPEND ", StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

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
