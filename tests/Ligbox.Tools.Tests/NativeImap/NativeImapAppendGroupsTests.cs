using Ligbox.Tools.NativeImap;
using MailKit;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// Issue 18: a unit of messages cut by its bytes ends at a whole number of MULTIAPPEND groups. Each APPEND is a
/// transaction of the server's; units cut wherever their bytes ran out left a short group at the end of every unit
/// (5 KB messages in 2 MB units: groups of 100, 100, 100, 100 and 11).
/// </summary>
[Collection(ImapServersCollection.Name)]
public sealed class NativeImapAppendGroupsTests(ImapServersFixture servers)
{
    [Fact]
    public async Task UnitsCutByBytesEndAtWholeGroups_SoAppendsAreFullGroups()
    {
        const int count = 100;
        const int group = 4;
        var source = servers.NewAccount(servers.Source, "groups-src");
        var destination = servers.NewAccount(servers.Destination, "groups-dst");
        await Mailbox.SeedAsync(servers.Source, source, "Projetos",
            Enumerable.Range(1, count).Select(i => Mailbox.Message($"mensagem {i:D3}", MessageFlags.Seen, day: 5)).ToArray());
        long size;
        using (var client = await servers.Source.ConnectAsync(source.User, source.Secret))
        {
            var folder = await client.GetFolderAsync("Projetos");
            await folder.OpenAsync(FolderAccess.ReadOnly);
            var sizes = (await folder.FetchAsync(0, -1, MessageSummaryItems.Size)).Select(s => (long)s.Size!.Value).ToList();
            Assert.True(sizes.Max() - sizes.Min() < sizes.Min() / 20, $"the messages are about one size: {sizes.Min()}-{sizes.Max()}");
            size = sizes.Max();
        }

        // One lane, one FETCH of the folder's 100 summaries, units of 10 messages by their bytes (not a whole number of
        // groups of 4): cut where the bytes run out, a unit was appended as 4 + 4 + 2.
        var engine = new NativeImapSyncEngine(new NativeImapOptions
        {
            AppendConnectionsPerMailbox = 1, BatchSize = count, MultiAppendSize = group, BatchBytes = (10 * size) + (size / 2),
        });
        var stats = await engine.SyncAsync(
            new SyncRequest { Source = source, Destination = destination, Kind = SyncKind.Initial }, new InMemorySyncStateStore());

        Assert.Equal(count, stats.MessagesTransferred);
        Assert.Equal(0, stats.Errors);
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "Projetos"), await Mailbox.SnapshotAsync(servers.Destination, destination, "Projetos"));
        // Whole groups but for the folder's small first unit (a quarter of a unit's bytes, appended while the next is
        // read) and the FETCH's last unit: 25 + 2 at most (units of 10 cut where the bytes ran out: 30).
        var appends = engine.Commands.Count("APPEND");
        Assert.InRange(appends, count / group, (count / group) + 2);
    }

    [Fact]
    public async Task ADeltasNewMessagesThatFitInOneGroup_AreOneAppend()
    {
        // An initial pass of 10 messages, then 30 new ones. An initial pass appends a folder's small first unit while it
        // reads the rest (a quarter: 7, then 23); a delta appends what fits in one group as one APPEND. Each APPEND is a
        // transaction over the whole folder: 0.3 s into a folder of 300,000 messages, whatever its size (session 32).
        var source = servers.NewAccount(servers.Source, "groups-delta-src");
        var destination = servers.NewAccount(servers.Destination, "groups-delta-dst");
        await Mailbox.SeedAsync(servers.Source, source, "Projetos",
            Enumerable.Range(1, 10).Select(i => Mailbox.Message($"antiga {i:D2}", MessageFlags.Seen, day: 5)).ToArray());
        var state = new InMemorySyncStateStore();
        var request = new SyncRequest { Source = source, Destination = destination, Kind = SyncKind.Initial, MailboxKey = source.User };
        Assert.Equal(10, (await new NativeImapSyncEngine(new NativeImapOptions()).SyncAsync(request, state)).MessagesTransferred);
        await Mailbox.SeedAsync(servers.Source, source, "Projetos",
            Enumerable.Range(1, 30).Select(i => Mailbox.Message($"nova {i:D2}", i % 3 == 0 ? MessageFlags.None : MessageFlags.Seen, day: 6)).ToArray());

        var engine = new NativeImapSyncEngine(new NativeImapOptions());
        var stats = await engine.SyncAsync(request with { Kind = SyncKind.Delta }, state);

        Assert.Equal(30, stats.MessagesTransferred);
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "Projetos"), await Mailbox.SnapshotAsync(servers.Destination, destination, "Projetos"));
        Assert.Equal(1, engine.Commands.Count("APPEND"));
    }
}
