using Ligbox.Tools.NativeImap;
using MailKit;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// Issue 18, row 2's 100 + 500 delta: a delta opens its first changed folder on the source as soon as the source has
/// listed its folders, instead of after the destination has listed (and counted) its own too. On a big maildir each
/// server re-reads its directory to answer, so the two now overlap.
/// </summary>
[Collection(ImapServersCollection.Name)]
public sealed class NativeImapOpenAheadTests(ImapServersFixture servers)
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(400);

    /// <summary>
    /// "Projetos" (8 messages, the biggest) and INBOX (3) copied by an initial pass; then <paramref name="change"/> on
    /// the source, and a delta with the destination (or, with <paramref name="slowSource"/>, the source) behind a relay
    /// that delays its every answer by 400 ms. Returns the delta's commands on each side, timestamped.
    /// </summary>
    private async Task<Delta> DeltaBehindASlowRelayAsync(Func<ImapEndpoint, Task> change, bool slowSource = false)
    {
        var source = servers.NewAccount(servers.Source, "open-src");
        var destination = servers.NewAccount(servers.Destination, "open-dst");
        await Mailbox.SeedAsync(servers.Source, source, "Projetos",
            Enumerable.Range(0, 8).Select(i => Mailbox.Message($"projeto {i}", i % 2 == 0 ? MessageFlags.Seen : MessageFlags.None, day: i + 1)).ToArray());
        await Mailbox.SeedAsync(servers.Source, source, "INBOX",
            Enumerable.Range(0, 3).Select(i => Mailbox.Message($"entrada {i}", day: i + 1)).ToArray());
        // One key for both passes: the delta reaches the destination through the relay, at another port.
        var state = new InMemorySyncStateStore();
        var initial = await new NativeImapSyncEngine(new NativeImapOptions()).SyncAsync(
            new SyncRequest { Source = source, Destination = destination, Kind = SyncKind.Initial, MailboxKey = source.User }, state);
        Assert.Equal(11, initial.MessagesTransferred);
        await change(source);

        await using var slow = new LatencyRelay(slowSource ? servers.Source.Port : servers.Destination.Port, Latency);
        var dir = Directory.CreateTempSubdirectory("ligbox-open-").FullName;
        try
        {
            var options = new NativeImapOptions { ProtocolLogDirectory = dir, ProtocolLogTimestamps = true };
            var stats = await new NativeImapSyncEngine(options).SyncAsync(
                new SyncRequest
                {
                    Source = slowSource ? source with { Port = slow.Port } : source,
                    Destination = slowSource ? destination : destination with { Port = slow.Port },
                    Kind = SyncKind.Delta,
                    MailboxKey = source.User,
                }, state);
            foreach (var folder in new[] { "Projetos", "INBOX" })
            {
                Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, folder), await Mailbox.SnapshotAsync(servers.Destination, destination, folder));
            }

            return new Delta(stats.MessagesTransferred, TimedProtocolLogs.Commands(dir, "source"), TimedProtocolLogs.Commands(dir, "destination"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed record Delta(
        long Copied,
        List<(TimeSpan At, string Log, string Command, string Args)> SourceCommands,
        List<(TimeSpan At, string Log, string Command, string Args)> DestinationCommands)
    {
        /// <summary>When the destination selected its folder.</summary>
        public TimeSpan DestinationSelected => DestinationCommands.Single(c => c.Command == "SELECT").At;

        /// <summary>The destination's reads of one byte of a message (the look-up of its message files).</summary>
        public List<(TimeSpan At, string Log, string Command, string Args)> LookUps =>
            DestinationCommands.Where(c => c.Command == "FETCH" && c.Args.Contains("BODY.PEEK[]<0.1>", StringComparison.Ordinal)).ToList();

        /// <summary>When the destination was asked to list its folders with their counters.</summary>
        public TimeSpan DestinationListed =>
            DestinationCommands.Single(c => c.Command == "LIST" && c.Args.Contains("STATUS (", StringComparison.Ordinal)).At;

        /// <summary>When the source opened <paramref name="folder"/>: its only EXAMINE (the folder's pass uses the folder opened ahead).</summary>
        public TimeSpan ExaminedAt(string folder)
        {
            var examines = SourceCommands.Where(c => c.Command is "EXAMINE" or "SELECT").ToList();
            Assert.True(examines.Count == 1, $"{examines.Count} folders opened on the source; both sides' commands:\n{Both()}");
            Assert.Equal(folder, examines[0].Args.Trim().Split(' ')[0]);
            return examines[0].At;
        }

        private string Both() => string.Join('\n', SourceCommands.Concat(DestinationCommands).OrderBy(c => c.At)
            .Select(c => $"{c.At} {c.Log} {c.Command}{c.Args[..Math.Min(60, c.Args.Length)]}"));
    }

    /// <summary>Projetos gets a new message and <paramref name="subject"/> a flag: the delta copies one and sets one.</summary>
    private async Task ChangeProjetosAsync(ImapEndpoint source, string subject, MessageFlags flag)
    {
        await Mailbox.SeedAsync(servers.Source, source, "Projetos", Mailbox.Message("projeto novo", day: 20));
        await Mailbox.AddFlagsAsync(servers.Source, source, "Projetos", subject, flag);
    }

    [Fact]
    public async Task ADelta_OpensTheChangedFolderOnTheSource_WhileTheDestinationIsStillListing()
    {
        var delta = await DeltaBehindASlowRelayAsync(source => ChangeProjetosAsync(source, "projeto 3", MessageFlags.Flagged));

        Assert.Equal(1, delta.Copied);
        // The destination's answer to its LIST-STATUS comes 400 ms after it was asked: the source's EXAMINE was sent
        // long before that (it was sent after both answers, at the same time as the destination's SELECT).
        var late = delta.ExaminedAt("Projetos") - delta.DestinationListed;
        Assert.True(late < TimeSpan.FromMilliseconds(250), $"the source's EXAMINE was sent {late.TotalMilliseconds:0} ms after the destination was asked to list");
    }

    [Fact]
    public async Task TheFolderOpenedAhead_IsTheFirstChangedOne_AndIsUsedAfterTheUnchangedFoldersBeforeIt()
    {
        // "Projetos" (the biggest, taken first) is unchanged: INBOX is the folder opened ahead, and its pass, which comes
        // after Projetos' (nothing to do, nothing opened), uses it instead of opening it again.
        var delta = await DeltaBehindASlowRelayAsync(source =>
            Mailbox.AddFlagsAsync(servers.Source, source, "INBOX", "entrada 1", MessageFlags.Seen | MessageFlags.Answered));

        Assert.Equal(0, delta.Copied);
        var late = delta.ExaminedAt("INBOX") - delta.DestinationListed;
        Assert.True(late < TimeSpan.FromMilliseconds(250), $"the source's EXAMINE was sent {late.TotalMilliseconds:0} ms after the destination was asked to list");
    }

    [Fact]
    public async Task TheDestinationSelectsItsFolder_WhileTheSourceIsStillOpeningIt()
    {
        // The source behind the relay: its EXAMINE is answered 400 ms after it is sent. The destination's SELECT does not
        // wait for that answer (both folders are opened at once, as without opening ahead).
        var delta = await DeltaBehindASlowRelayAsync(source => ChangeProjetosAsync(source, "projeto 5", MessageFlags.Deleted), slowSource: true);

        Assert.Equal(1, delta.Copied);
        var late = delta.DestinationSelected - delta.ExaminedAt("Projetos");
        Assert.True(late < TimeSpan.FromMilliseconds(250), $"the destination's SELECT was sent {late.TotalMilliseconds:0} ms after the source's EXAMINE");
    }

    [Fact]
    public async Task TheSourceReadsTheNewMessages_WhileTheDestinationSetsTheChangedFlags()
    {
        // The destination behind the relay: its STORE of the changed flag is answered 400 ms after it is sent. The
        // source's search for the new message and the FETCH of its body do not wait for that answer (before, they came
        // after it); the APPEND, on the destination's one connection, does.
        var delta = await DeltaBehindASlowRelayAsync(source => ChangeProjetosAsync(source, "projeto 3", MessageFlags.Flagged));

        Assert.Equal(1, delta.Copied);
        var store = delta.DestinationCommands.Single(c => c.Command == "UID" && c.Args.StartsWith(" STORE", StringComparison.Ordinal)).At;
        var search = delta.SourceCommands.Single(c => c.Command == "UID" && c.Args.StartsWith(" SEARCH", StringComparison.Ordinal)).At;
        var body = delta.SourceCommands.Single(c => c.Command == "UID" && c.Args.Contains("BODY.PEEK[]", StringComparison.Ordinal)).At;
        var append = delta.DestinationCommands.Single(c => c.Command == "APPEND").At;
        Assert.True(search - store < TimeSpan.FromMilliseconds(250), $"the source's search for new messages was sent {(search - store).TotalMilliseconds:0} ms after the destination's STORE");
        Assert.True(body - store < TimeSpan.FromMilliseconds(250), $"the source's FETCH of the new body was sent {(body - store).TotalMilliseconds:0} ms after the destination's STORE");
        Assert.True(append - store >= TimeSpan.FromMilliseconds(350), $"the APPEND was sent {(append - store).TotalMilliseconds:0} ms after the STORE, before its answer");
    }

    [Fact]
    public async Task TheDestinationLooksItsMessageFilesUp_WhileTheSourceIsStillOpeningItsFolder()
    {
        // The source behind the relay: its EXAMINE is answered 400 ms after it is sent, and only then can it say which
        // flags changed. The destination, its folder selected meanwhile, reads the first byte of its last message (on a
        // maildir server: finds the message files, which the STORE needs) without waiting for that answer; once.
        var delta = await DeltaBehindASlowRelayAsync(source => ChangeProjetosAsync(source, "projeto 5", MessageFlags.Flagged), slowSource: true);

        Assert.Equal(1, delta.Copied);
        var lookUp = Assert.Single(delta.LookUps);
        var changes = delta.SourceCommands.Single(c => c.Command == "UID" && c.Args.Contains("CHANGEDSINCE", StringComparison.Ordinal)).At;
        var store = delta.DestinationCommands.Single(c => c.Command == "UID" && c.Args.StartsWith(" STORE", StringComparison.Ordinal)).At;
        Assert.True(lookUp.At < changes, $"the destination's look-up was sent {(lookUp.At - changes).TotalMilliseconds:0} ms after the source was asked what changed");
        Assert.True(lookUp.At - delta.DestinationSelected < TimeSpan.FromMilliseconds(250), $"the look-up was sent {(lookUp.At - delta.DestinationSelected).TotalMilliseconds:0} ms after the SELECT");
        Assert.True(store > lookUp.At);
    }

    [Fact]
    public async Task OnlyTheChangedFolder_IsLookedUp()
    {
        // INBOX has a changed flag, Projetos (HIGHESTMODSEQ as at the checkpoint) nothing: only INBOX is opened, and
        // its messages looked up once.
        var delta = await DeltaBehindASlowRelayAsync(source =>
            Mailbox.AddFlagsAsync(servers.Source, source, "INBOX", "entrada 1", MessageFlags.Seen));

        Assert.Equal(0, delta.Copied);
        Assert.Single(delta.LookUps);
        Assert.Single(delta.DestinationCommands, c => c.Command == "SELECT");
    }
}
