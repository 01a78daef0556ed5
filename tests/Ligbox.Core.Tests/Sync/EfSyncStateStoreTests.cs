using Ligbox.Testing.PostgreSql;
using Ligbox.Core.Sync;
using Ligbox.Core.Tests.Infrastructure;
using Ligbox.Tools.NativeImap;
using Microsoft.Extensions.DependencyInjection;

namespace Ligbox.Core.Tests.Sync;

/// <summary>The <see cref="ISyncStateStore"/> contract on the real SQLite database file.</summary>
public class EfSyncStateStoreTests : IAsyncLifetime
{
    /// <summary>Null: SQLite (the default); the <c>OnPostgreSql</c> variant runs every test again on a real PostgreSQL.</summary>
    protected virtual PostgreSqlServer? Postgres => null;

    private CoreHost _host = null!;

    private EfSyncStateStore Store => _host.Services.GetRequiredService<EfSyncStateStore>();

    public async Task InitializeAsync() => _host = await CoreHost.StartAsync(postgres: Postgres);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static FolderCheckpoint Checkpoint(string folder = "INBOX", uint highest = 0, uint uidNext = 0) => new()
    {
        SourceFolder = folder,
        DestinationFolder = "Dest/" + folder,
        SourceUidValidity = 4_000_000_000,
        DestinationUidValidity = 7,
        HighestSyncedUid = highest,
        SourceUidNext = uidNext,
        SourceMessageCount = 3,
        HighestModSeq = ulong.MaxValue - 5,
        DestinationUidNext = 40,
        RetryUids = [9, 11],
    };

    [Fact]
    public async Task GetFolder_ReturnsNull_WhenNeverSynced()
    {
        Assert.Null(await Store.GetFolderAsync("mb", "INBOX"));
    }

    [Fact]
    public async Task Commit_StoresCheckpointAndPairs_RoundTrip()
    {
        await Store.CommitAsync("mb", new FolderSyncCommit { Checkpoint = Checkpoint(highest: 3), Added = [new(1, 10, true), new(2, 11, true), new(3, 0, false)] });

        var state = await Store.GetFolderAsync("mb", "INBOX");

        Assert.NotNull(state);
        Assert.Equal(Checkpoint(highest: 3) with { RetryUids = state.Checkpoint.RetryUids }, state.Checkpoint);
        Assert.Equal([9u, 11u], state.Checkpoint.RetryUids);
        Assert.Equal(3, state.Pairs.Count);
        Assert.Equal(new UidPair(3, 0, false), state.Pairs[3]);
        Assert.Null(await Store.GetFolderAsync("other", "INBOX"));
        Assert.Null(await Store.GetFolderAsync("mb", "Sent"));
    }

    [Fact]
    public async Task Commit_UpsertsAddedPairs_AndRemovesRemovedOnes()
    {
        await Store.CommitAsync("mb", new FolderSyncCommit { Checkpoint = Checkpoint(highest: 3), Added = [new(1, 10, true), new(2, 11, true), new(3, 12, true)] });

        await Store.CommitAsync("mb", new FolderSyncCommit
        {
            Checkpoint = Checkpoint(highest: 4, uidNext: 5),
            Added = [new(3, 20, false), new(4, 21, true)],
            RemovedSourceUids = [1],
        });

        var state = await Store.GetFolderAsync("mb", "INBOX");
        Assert.Equal([2u, 3u, 4u], state!.Pairs.Keys.Order().ToArray());
        Assert.Equal(new UidPair(3, 20, false), state.Pairs[3]);
        Assert.Equal(4u, state.Checkpoint.HighestSyncedUid);
        Assert.Equal(5u, state.Checkpoint.SourceUidNext);
    }

    [Fact]
    public async Task Commit_ReplaceAll_DropsEveryEarlierPairOfTheFolderOnly()
    {
        await Store.CommitAsync("mb", new FolderSyncCommit { Checkpoint = Checkpoint(), Added = [new(1, 10, true), new(2, 11, true)] });
        await Store.CommitAsync("mb", new FolderSyncCommit { Checkpoint = Checkpoint("Sent"), Added = [new(1, 5, true)] });

        await Store.CommitAsync("mb", new FolderSyncCommit { Checkpoint = Checkpoint(), Added = [new(7, 70, false)], ReplaceAll = true });

        var inbox = await Store.GetFolderAsync("mb", "INBOX");
        Assert.Equal([7u], inbox!.Pairs.Keys.ToArray());
        Assert.Single((await Store.GetFolderAsync("mb", "Sent"))!.Pairs);
    }

    [Fact]
    public async Task Commit_WithCancelledToken_ChangesNothing()
    {
        await Store.CommitAsync("mb", new FolderSyncCommit { Checkpoint = Checkpoint(highest: 1), Added = [new(1, 10, true)] });
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.CommitAsync("mb",
            new FolderSyncCommit { Checkpoint = Checkpoint(highest: 9), Added = [new(9, 90, true)], ReplaceAll = true }, cts.Token));

        var state = await Store.GetFolderAsync("mb", "INBOX");
        Assert.Equal(1u, state!.Checkpoint.HighestSyncedUid);
        Assert.Equal([1u], state.Pairs.Keys.ToArray());
    }

    [Fact]
    public async Task ConcurrentCommits_OfManyPairs_AllLand()
    {
        await Task.WhenAll(Enumerable.Range(0, 4).Select(f => Task.Run(async () =>
        {
            for (uint batch = 0; batch < 5; batch++)
            {
                var pairs = Enumerable.Range(1, 500).Select(i => new UidPair(batch * 500 + (uint)i, batch * 500 + (uint)i, true)).ToList();
                await Store.CommitAsync("mb", new FolderSyncCommit { Checkpoint = Checkpoint($"F{f}", highest: (batch + 1) * 500), Added = pairs });
            }
        })));

        for (var f = 0; f < 4; f++)
        {
            var state = await Store.GetFolderAsync("mb", $"F{f}");
            Assert.Equal(2500, state!.Pairs.Count);
            Assert.Equal(2500u, state.Checkpoint.HighestSyncedUid);
        }
    }
}
