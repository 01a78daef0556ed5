using Ligbox.Testing.Dovecot;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Statistics;
using MailKit;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// Issue 18, row 1: a lane reads its next folder on the source while its destination connection appends the last
/// batches of the folder before, so the destination does not wait for that folder's SELECT, SEARCH and first FETCHes.
/// </summary>
[Collection(ImapServersCollection.Name)]
public sealed class NativeImapReadAheadTests(ImapServersFixture servers)
{
    /// <summary>
    /// "Antes" (<paramref name="antes"/> messages) then "Depois" copied by an initial pass on one lane, the destination
    /// behind a relay that delays its every answer by 150 ms: each APPEND takes at least that long, so reading the next
    /// folder during the last APPENDs is told apart from reading it after them. The timestamped protocol logs are read
    /// back before they are deleted.
    /// </summary>
    private async Task<Pass> CopyOnOneSlowLaneAsync(int antes, SeedMessage[] depois, SeedMessage[] depoisOnDestination)
    {
        var source = servers.NewAccount(servers.Source, "ahead-src");
        var destination = servers.NewAccount(servers.Destination, "ahead-dst");
        await Mailbox.SeedAsync(servers.Source, source, "Antes",
            Enumerable.Range(0, antes).Select(i => Mailbox.Message($"antes {i}", MessageFlags.Seen, day: (i % 28) + 1)).ToArray());
        await Mailbox.SeedAsync(servers.Source, source, "Depois", depois);
        if (depoisOnDestination.Length > 0)
        {
            await Mailbox.SeedAsync(servers.Destination, destination, "Depois", depoisOnDestination);
        }

        await using var slow = new LatencyRelay(servers.Destination.Port, TimeSpan.FromMilliseconds(150));
        var dir = Directory.CreateTempSubdirectory("ligbox-ahead-").FullName;
        try
        {
            var options = new NativeImapOptions { AppendConnectionsPerMailbox = 1, ProtocolLogDirectory = dir, ProtocolLogTimestamps = true };
            var request = new SyncRequest { Source = source, Destination = destination with { Port = slow.Port }, Kind = SyncKind.Initial };
            var stats = await new NativeImapSyncEngine(options).SyncAsync(request, new InMemorySyncStateStore());
            return new Pass(source, destination, stats, TimedProtocolLogs.Commands(dir, "source"), TimedProtocolLogs.Commands(dir, "destination"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed record Pass(
        ImapEndpoint Source, ImapEndpoint Destination, SyncStatistics Stats,
        List<(TimeSpan At, string Log, string Command, string Args)> SourceCommands,
        List<(TimeSpan At, string Log, string Command, string Args)> DestinationCommands)
    {
        /// <summary>When the source selected "Depois" first.</summary>
        public TimeSpan DepoisSelected => SourceCommands.First(c => c.Command is "EXAMINE" or "SELECT" && c.Args.StartsWith(" Depois", StringComparison.Ordinal)).At;

        /// <summary>When "Antes" was done on the destination: the NOOP that closes its pass, after its last APPEND.</summary>
        public TimeSpan AntesDone
        {
            get
            {
                var lastAppend = DestinationCommands.FindLastIndex(c => c.Command == "APPEND" && c.Args.StartsWith(" Antes ", StringComparison.Ordinal));
                Assert.True(lastAppend >= 0, "no APPEND into Antes");
                return DestinationCommands.Skip(lastAppend).First(c => c.Command == "NOOP").At;
            }
        }
    }

    [Fact]
    public async Task ALane_ReadsItsNextFolder_WhileItAppendsTheLastBatchesOfTheFolderBefore()
    {
        var pass = await CopyOnOneSlowLaneAsync(
            antes: 60, Enumerable.Range(0, 30).Select(i => Mailbox.Message($"depois {i}", day: (i % 28) + 1)).ToArray(), []);

        Assert.Equal(90, pass.Stats.MessagesTransferred);
        foreach (var folder in new[] { "Antes", "Depois" })
        {
            Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, pass.Source, folder), await Mailbox.SnapshotAsync(servers.Destination, pass.Destination, folder));
        }

        // The biggest folder first: "Antes" is copied, then "Depois". Its SELECT on the source and its first bodies
        // were read before "Antes" was done on the destination.
        var (selected, done) = (pass.DepoisSelected, pass.AntesDone);
        var firstBodies = pass.SourceCommands.First(c => c.At > selected && c.Command == "UID" && c.Args.Contains("BODY.PEEK[]", StringComparison.Ordinal)).At;
        Assert.True(selected < done, $"Depois was selected at {selected}, after Antes was done at {done}");
        Assert.True(firstBodies < done, $"Depois's first bodies were read at {firstBodies}, after Antes was done at {done}");
        // Read ahead, its first batch is a whole MULTIAPPEND group (100), not a quarter of it: its 30 messages are read
        // by one FETCH and appended by one APPEND (a quarter would have been 7, then 23).
        Assert.Single(pass.SourceCommands, c => c.At >= selected && c.Command == "UID" && c.Args.Contains("BODY.PEEK[]", StringComparison.Ordinal));
        Assert.Single(pass.DestinationCommands, c => c.Command == "APPEND" && c.Args.StartsWith(" Depois ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFolderReadAhead_WhoseDestinationHoldsMessages_IsMatchedByIdentity_NotCopiedTwice()
    {
        // Read ahead, "Depois" is read as if everything were to be copied. Its destination folder already holds 8 of its
        // 20 messages: the pass must drop what was read ahead and match by identity.
        var depois = Enumerable.Range(0, 20).Select(i => Mailbox.Message($"depois {i}", messageId: $"depois-{i}@example.com", day: (i % 28) + 1)).ToArray();
        var pass = await CopyOnOneSlowLaneAsync(antes: 40, depois, depois.Where((_, i) => i % 5 < 2).ToArray());

        Assert.Equal(40 + 12, pass.Stats.MessagesTransferred);
        Assert.Equal(8, pass.Stats.MessagesSkipped);
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, pass.Source, "Depois"), await Mailbox.SnapshotAsync(servers.Destination, pass.Destination, "Depois"));
        // It was read ahead (selected before Antes was done): the case this test is about.
        Assert.True(pass.DepoisSelected < pass.AntesDone, $"Depois was selected at {pass.DepoisSelected}, after Antes was done at {pass.AntesDone}");
    }
}
