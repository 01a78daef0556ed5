using Ligbox.Tools.NativeImap;
using MailKit;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// Issue 18, row 1: a lane reads its next folder on the source while its destination connection appends the last
/// batches of the folder before, so the destination does not wait for that folder's SELECT, SEARCH and first FETCHes.
/// </summary>
[Collection(ImapServersCollection.Name)]
public sealed class NativeImapReadAheadTests(ImapServersFixture servers)
{
    private static SyncRequest Request(ImapEndpoint source, ImapEndpoint destination) =>
        new() { Source = source, Destination = destination, Kind = SyncKind.Initial };

    private static NativeImapOptions OneLane(string logs) => new()
    {
        AppendConnectionsPerMailbox = 1,
        ProtocolLogDirectory = logs,
        ProtocolLogTimestamps = true,
    };

    [Fact]
    public async Task ALane_ReadsItsNextFolder_WhileItAppendsTheLastBatchesOfTheFolderBefore()
    {
        var source = servers.NewAccount(servers.Source, "ahead-src");
        var destination = servers.NewAccount(servers.Destination, "ahead-dst");
        await Mailbox.SeedAsync(servers.Source, source, "Antes",
            Enumerable.Range(0, 60).Select(i => Mailbox.Message($"antes {i}", MessageFlags.Seen, day: (i % 28) + 1)).ToArray());
        await Mailbox.SeedAsync(servers.Source, source, "Depois",
            Enumerable.Range(0, 30).Select(i => Mailbox.Message($"depois {i}", day: (i % 28) + 1)).ToArray());
        // Every answer of the destination arrives 150 ms late: each APPEND takes at least that long, so reading the
        // next folder during the last APPENDs is told apart from reading it after them.
        await using var slow = new LatencyRelay(servers.Destination.Port, TimeSpan.FromMilliseconds(150));
        var dir = Directory.CreateTempSubdirectory("ligbox-ahead-").FullName;
        try
        {
            var stats = await new NativeImapSyncEngine(OneLane(dir)).SyncAsync(Request(source, destination with { Port = slow.Port }), new InMemorySyncStateStore());

            Assert.Equal(90, stats.MessagesTransferred);
            Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "Antes"), await Mailbox.SnapshotAsync(servers.Destination, destination, "Antes"));
            Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "Depois"), await Mailbox.SnapshotAsync(servers.Destination, destination, "Depois"));

            // The biggest folder first: "Antes" is copied, then "Depois". Its SELECT on the source and its first bodies
            // were read before "Antes" was done on the destination (its closing NOOP, after its last APPEND).
            var sourceCommands = TimedProtocolLogs.Commands(dir, "source");
            var destinationCommands = TimedProtocolLogs.Commands(dir, "destination");
            var lastAppendIntoAntes = destinationCommands.FindLastIndex(c => c.Command == "APPEND" && c.Args.StartsWith(" Antes ", StringComparison.Ordinal));
            Assert.True(lastAppendIntoAntes >= 0, "no APPEND into Antes");
            var antesDone = destinationCommands.Skip(lastAppendIntoAntes).First(c => c.Command == "NOOP").At;
            var depoisSelected = sourceCommands.First(c => c.Command is "EXAMINE" or "SELECT" && c.Args.StartsWith(" Depois", StringComparison.Ordinal)).At;
            var depoisFirstBodies = sourceCommands.First(c => c.At > depoisSelected && c.Command == "UID" && c.Args.Contains("BODY.PEEK[]", StringComparison.Ordinal)).At;
            Assert.True(depoisSelected < antesDone, $"Depois was selected at {depoisSelected}, after Antes was done at {antesDone}");
            Assert.True(depoisFirstBodies < antesDone, $"Depois's first bodies were read at {depoisFirstBodies}, after Antes was done at {antesDone}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task AFolderReadAhead_WhoseDestinationHoldsMessages_IsMatchedByIdentity_NotCopiedTwice()
    {
        // Read ahead, "Depois" is read as if everything were to be copied. Its destination folder already holds 8 of its
        // 20 messages: the pass must drop what was read ahead and match by identity.
        var source = servers.NewAccount(servers.Source, "ahead-src");
        var destination = servers.NewAccount(servers.Destination, "ahead-dst");
        await Mailbox.SeedAsync(servers.Source, source, "Antes",
            Enumerable.Range(0, 40).Select(i => Mailbox.Message($"antes {i}", MessageFlags.Seen, day: (i % 28) + 1)).ToArray());
        var depois = Enumerable.Range(0, 20).Select(i => Mailbox.Message($"depois {i}", messageId: $"depois-{i}@example.com", day: (i % 28) + 1)).ToArray();
        await Mailbox.SeedAsync(servers.Source, source, "Depois", depois);
        await Mailbox.SeedAsync(servers.Destination, destination, "Depois", depois.Where((_, i) => i % 5 < 2).ToArray());
        await using var slow = new LatencyRelay(servers.Destination.Port, TimeSpan.FromMilliseconds(150));
        var dir = Directory.CreateTempSubdirectory("ligbox-ahead-").FullName;
        try
        {
            var stats = await new NativeImapSyncEngine(OneLane(dir)).SyncAsync(Request(source, destination with { Port = slow.Port }), new InMemorySyncStateStore());

            Assert.Equal(40 + 12, stats.MessagesTransferred);
            Assert.Equal(8, stats.MessagesSkipped);
            Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "Depois"), await Mailbox.SnapshotAsync(servers.Destination, destination, "Depois"));
            // It was read ahead (its SELECT before Antes was done): the case this test is about.
            var sourceCommands = TimedProtocolLogs.Commands(dir, "source");
            var destinationCommands = TimedProtocolLogs.Commands(dir, "destination");
            var antesDone = destinationCommands.First(c => c.Command == "NOOP").At;
            Assert.Contains(sourceCommands, c => c.Command is "EXAMINE" or "SELECT" && c.Args.StartsWith(" Depois", StringComparison.Ordinal) && c.At < antesDone);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
