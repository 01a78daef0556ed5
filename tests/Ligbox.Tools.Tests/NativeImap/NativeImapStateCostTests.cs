using Ligbox.Tools.NativeImap;
using MailKit;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// Issue 18: what a pass reads from the state store must not grow with the folder. A no-change delta and a
/// plan read checkpoints only; a CONDSTORE delta reads the pairs of the messages whose flags changed, and
/// still picks up every flag change and new message.
/// </summary>
[Collection(ImapServersCollection.Name)]
public sealed class NativeImapStateCostTests(ImapServersFixture servers)
{
    private static readonly NativeImapOptions SmallBatches = new() { BatchSize = 10, MultiAppendSize = 4, AppendConnectionsPerMailbox = 3 };

    private async Task<(ImapEndpoint Source, ImapEndpoint Destination)> SeedAsync(int count)
    {
        var source = servers.NewAccount(servers.Source, "src");
        var destination = servers.NewAccount(servers.Destination, "dst");
        var messages = Enumerable.Range(1, count)
            .Select(i => Mailbox.Message($"arquivo {i:D3}", i % 3 == 0 ? MessageFlags.None : MessageFlags.Seen, day: 1 + i % 28))
            .ToArray();
        await Mailbox.SeedAsync(servers.Source, source, "Projetos", messages);
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Mailbox.Message("inbox 1", MessageFlags.Seen));
        return (source, destination);
    }

    private static SyncRequest Request(ImapEndpoint source, ImapEndpoint destination, SyncKind kind) =>
        new() { Source = source, Destination = destination, Kind = kind };

    [Fact]
    public async Task ReadsCheckpointsOnly_WhenDeltaAndPlanFindNoChange()
    {
        var (source, destination) = await SeedAsync(40);
        var state = new CountingStore();
        var engine = new NativeImapSyncEngine(SmallBatches);
        await engine.SyncAsync(Request(source, destination, SyncKind.Initial), state);
        state.Reset();

        var plan = await engine.PlanAsync(Request(source, destination, SyncKind.Delta), state);
        var stats = await engine.SyncAsync(Request(source, destination, SyncKind.Delta), state);

        Assert.Equal(41, plan.Folders.Sum(f => f.AlreadySynced));
        Assert.Equal(0, stats.MessagesTransferred);
        Assert.Equal(41, stats.MessagesSkipped);
        Assert.Equal(0, state.FullLoads);
        Assert.Equal(0, state.PairsRead);
        Assert.True(state.CheckpointLoads >= 4, "plan and delta read each folder's checkpoint");
    }

    [Fact]
    public async Task CopiesNewAndReflagsChanged_ReadingOnlyTheChangedPairs_WhenCondstoreDelta()
    {
        var (source, destination) = await SeedAsync(60);
        var state = new CountingStore();
        var engine = new NativeImapSyncEngine(SmallBatches);
        await engine.SyncAsync(Request(source, destination, SyncKind.Initial), state);
        await Mailbox.AddFlagsAsync(servers.Source, source, "Projetos", "arquivo 007", MessageFlags.Flagged);
        await Mailbox.AddFlagsAsync(servers.Source, source, "Projetos", "arquivo 031", MessageFlags.Answered, "cliente");
        await Mailbox.AddFlagsAsync(servers.Source, source, "Projetos", "arquivo 059", MessageFlags.Seen | MessageFlags.Flagged);
        await Mailbox.SeedAsync(servers.Source, source, "Projetos",
            Mailbox.Message("novo 1", MessageFlags.None, day: 3), Mailbox.Message("novo 2", MessageFlags.Flagged, day: 4, keywords: ["urgente"]));
        state.Reset();
        engine.Commands.Reset();

        var stats = await engine.SyncAsync(Request(source, destination, SyncKind.Delta), state);

        Assert.Equal(2, stats.MessagesTransferred);
        Assert.Equal(3, stats.FlagsUpdated);
        Assert.Equal(0, stats.Errors);
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "Projetos"), await Mailbox.SnapshotAsync(servers.Destination, destination, "Projetos"));
        // CHANGEDSINCE returned the three changed messages: only their pairs were read, never the folder's 60.
        Assert.Equal(0, state.FullLoads);
        Assert.Equal(3, state.PairsRead);

        // And the next delta finds nothing left to do.
        var again = await engine.SyncAsync(Request(source, destination, SyncKind.Delta), state);
        Assert.Equal(0, again.MessagesTransferred);
        Assert.Equal(0, again.FlagsUpdated);
    }

    [Fact]
    public async Task KeepsEveryPair_WhenBatchesAreCommittedWhileTheNextOneIsAppended()
    {
        var (source, destination) = await SeedAsync(55);
        var state = new CountingStore();
        var engine = new NativeImapSyncEngine(SmallBatches);

        await engine.SyncAsync(Request(source, destination, SyncKind.Initial), state);

        var folder = await state.GetFolderAsync(Request(source, destination, SyncKind.Initial).EffectiveMailboxKey, "Projetos");
        Assert.NotNull(folder);
        Assert.Equal(55, folder.Pairs.Count);
        Assert.All(folder.Pairs.Values, p => Assert.True(p.CopiedByUs && p.DestinationUid > 0));
        Assert.Equal(55, folder.Pairs.Values.Select(p => p.DestinationUid).Distinct().Count());
        Assert.Equal(folder.Pairs.Keys.Max(), folder.Checkpoint.HighestSyncedUid);
        Assert.Equal(55, folder.Checkpoint.SourceMessageCount);
    }

    /// <summary>The in-memory store, counting what the engine reads from it.</summary>
    private sealed class CountingStore : InMemorySyncStateStore
    {
        public int FullLoads { get; private set; }

        public int CheckpointLoads { get; private set; }

        public int PairsRead { get; private set; }

        public void Reset() => FullLoads = CheckpointLoads = PairsRead = 0;

        public override Task<FolderSyncState?> GetFolderAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default)
        {
            FullLoads++;
            return base.GetFolderAsync(mailboxKey, sourceFolder, cancellationToken);
        }

        public override Task<FolderCheckpoint?> GetCheckpointAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default)
        {
            CheckpointLoads++;
            return base.GetCheckpointAsync(mailboxKey, sourceFolder, cancellationToken);
        }

        public override async Task<IReadOnlyDictionary<uint, UidPair>> GetPairsAsync(
            string mailboxKey, string sourceFolder, IReadOnlyCollection<uint>? sourceUids, CancellationToken cancellationToken = default)
        {
            if (sourceUids is null)
            {
                FullLoads++;
            }

            var pairs = await base.GetPairsAsync(mailboxKey, sourceFolder, sourceUids, cancellationToken);
            PairsRead += pairs.Count;
            return pairs;
        }
    }
}
