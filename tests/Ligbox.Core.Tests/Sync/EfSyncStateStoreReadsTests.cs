using Ligbox.Core.Sync;
using Ligbox.Core.Tests.Infrastructure;
using Ligbox.Tools.NativeImap;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Tests.Sync;

/// <summary>
/// Issue 18: the store's narrow reads (checkpoint only, pair count, the pairs of some UIDs) and its batched
/// upserts, on the real SQLite database file.
/// </summary>
public sealed class EfSyncStateStoreReadsTests : IAsyncLifetime
{
    private CoreHost _host = null!;

    private EfSyncStateStore Store => _host.Services.GetRequiredService<EfSyncStateStore>();

    public async Task InitializeAsync() => _host = await CoreHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static FolderCheckpoint Checkpoint(string folder, uint highest) => new()
    {
        SourceFolder = folder,
        DestinationFolder = "Dest/" + folder,
        SourceUidValidity = 4_000_000_000,
        DestinationUidValidity = 7,
        HighestSyncedUid = highest,
        SourceUidNext = highest + 1,
        SourceMessageCount = (int)highest,
        HighestModSeq = ulong.MaxValue - 5,
        DestinationUidNext = highest + 1,
        RetryUids = [3],
    };

    private async Task SeedAsync(string folder, uint count)
    {
        for (uint start = 1; start <= count; start += 500)
        {
            var end = Math.Min(count, start + 499);
            var pairs = Enumerable.Range((int)start, (int)(end - start + 1)).Select(i => new UidPair((uint)i, (uint)i + 1000, i % 2 == 0)).ToList();
            await Store.CommitAsync("mb", new FolderSyncCommit { Checkpoint = Checkpoint(folder, end), Added = pairs });
        }
    }

    [Fact]
    public async Task ReadsCheckpointCountAndChosenPairs_WithoutTheRest()
    {
        await SeedAsync("Arquivo", 1200);
        await SeedAsync("Sent", 10);

        var checkpoint = await Store.GetCheckpointAsync("mb", "Arquivo");
        var count = await Store.CountPairsAsync("mb", "Arquivo");
        // 700 UIDs span two of the store's 500-UID query chunks; 5000 has no pair.
        var wanted = Enumerable.Range(300, 700).Select(i => (uint)i).Append(5000u).ToList();
        var some = await Store.GetPairsAsync("mb", "Arquivo", wanted);
        var all = await Store.GetPairsAsync("mb", "Arquivo", null);

        Assert.Equal(Checkpoint("Arquivo", 1200) with { RetryUids = checkpoint!.RetryUids }, checkpoint);
        Assert.Equal([3u], checkpoint.RetryUids);
        Assert.Equal(1200, count);
        Assert.Equal(700, some.Count);
        Assert.Equal(new UidPair(300, 1300, true), some[300]);
        Assert.Equal(new UidPair(999, 1999, false), some[999]);
        Assert.False(some.ContainsKey(5000));
        Assert.Equal(1200, all.Count);
        Assert.Equal(10, await Store.CountPairsAsync("mb", "Sent"));
        Assert.Null(await Store.GetCheckpointAsync("mb", "Drafts"));
        Assert.Equal(0, await Store.CountPairsAsync("other", "Arquivo"));
        Assert.Empty(await Store.GetPairsAsync("other", "Arquivo", [1, 2]));
    }

    [Fact]
    public async Task UpsertsABatchOverExistingPairs_AndRemovesInTheSameCommit()
    {
        await SeedAsync("Arquivo", 1000);

        // 400 pairs re-matched (new destination UIDs), 100 new, 50 removed: one commit.
        var batch = Enumerable.Range(601, 500).Select(i => new UidPair((uint)i, (uint)i + 5000, false)).ToList();
        await Store.CommitAsync("mb", new FolderSyncCommit
        {
            Checkpoint = Checkpoint("Arquivo", 1100),
            Added = batch,
            RemovedSourceUids = Enumerable.Range(1, 50).Select(i => (uint)i).ToList(),
        });

        var state = await Store.GetFolderAsync("mb", "Arquivo");
        Assert.Equal(1050, state!.Pairs.Count);
        Assert.False(state.Pairs.ContainsKey(50));
        Assert.Equal(new UidPair(51, 1051, false), state.Pairs[51]);
        Assert.Equal(new UidPair(600, 1600, true), state.Pairs[600]);
        Assert.Equal(new UidPair(601, 5601, false), state.Pairs[601]);
        Assert.Equal(new UidPair(1100, 6100, false), state.Pairs[1100]);
        Assert.Equal(1100u, state.Checkpoint.HighestSyncedUid);
    }
}
