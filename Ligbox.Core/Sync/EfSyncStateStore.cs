using System.Text.Json;
using Ligbox.Core.Persistence;
using Ligbox.Tools.NativeImap;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Sync;

/// <summary>
/// The engine's <see cref="ISyncStateStore"/> on the console database: one checkpoint row per folder and
/// one row per UID pair. A commit is one transaction; commits are serialised (SQLite has one writer).
/// </summary>
public sealed class EfSyncStateStore(IDbContextFactory<LigboxDbContext> dbFactory) : ISyncStateStore
{
    private const int DeleteChunk = 500;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public async Task<FolderSyncState?> GetFolderAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<FolderSyncStateRow>().AsNoTracking()
            .SingleOrDefaultAsync(r => r.MailboxKey == mailboxKey && r.SourceFolder == sourceFolder, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var pairs = await db.Set<UidPairRow>().AsNoTracking()
            .Where(p => p.MailboxKey == mailboxKey && p.SourceFolder == sourceFolder)
            .Select(p => new { p.SourceUid, p.DestinationUid, p.CopiedByUs })
            .ToListAsync(cancellationToken);
        return new FolderSyncState
        {
            Checkpoint = new FolderCheckpoint
            {
                SourceFolder = row.SourceFolder,
                DestinationFolder = row.DestinationFolder,
                SourceUidValidity = (uint)row.SourceUidValidity,
                DestinationUidValidity = (uint)row.DestinationUidValidity,
                HighestSyncedUid = (uint)row.HighestSyncedUid,
                SourceUidNext = (uint)row.SourceUidNext,
                SourceMessageCount = row.SourceMessageCount,
                HighestModSeq = row.HighestModSeq is { } m ? unchecked((ulong)m) : null,
                DestinationUidNext = (uint)row.DestinationUidNext,
                RetryUids = JsonSerializer.Deserialize<List<uint>>(row.RetryUidsJson) ?? [],
            },
            Pairs = pairs.ToDictionary(p => (uint)p.SourceUid, p => new UidPair((uint)p.SourceUid, (uint)p.DestinationUid, p.CopiedByUs)),
        };
    }

    public async Task CommitAsync(string mailboxKey, FolderSyncCommit commit, CancellationToken cancellationToken = default)
    {
        var cp = commit.Checkpoint;
        var folder = cp.SourceFolder;
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            var pairs = db.Set<UidPairRow>().Where(p => p.MailboxKey == mailboxKey && p.SourceFolder == folder);
            if (commit.ReplaceAll)
            {
                await pairs.ExecuteDeleteAsync(cancellationToken);
            }

            // Removed pairs, and the pairs about to be re-added (an upsert is delete + insert).
            var toDelete = commit.RemovedSourceUids.Select(u => (long)u).Concat(commit.Added.Select(p => (long)p.SourceUid)).Distinct().ToList();
            if (!commit.ReplaceAll)
            {
                foreach (var chunk in toDelete.Chunk(DeleteChunk))
                {
                    await pairs.Where(p => chunk.Contains(p.SourceUid)).ExecuteDeleteAsync(cancellationToken);
                }
            }

            db.Set<UidPairRow>().AddRange(commit.Added.GroupBy(p => p.SourceUid).Select(g => g.Last()).Select(p => new UidPairRow
            {
                MailboxKey = mailboxKey,
                SourceFolder = folder,
                SourceUid = p.SourceUid,
                DestinationUid = p.DestinationUid,
                CopiedByUs = p.CopiedByUs,
            }));

            var row = await db.Set<FolderSyncStateRow>().SingleOrDefaultAsync(r => r.MailboxKey == mailboxKey && r.SourceFolder == folder, cancellationToken);
            if (row is null)
            {
                row = new FolderSyncStateRow { MailboxKey = mailboxKey, SourceFolder = folder };
                db.Add(row);
            }

            row.DestinationFolder = cp.DestinationFolder;
            row.SourceUidValidity = cp.SourceUidValidity;
            row.DestinationUidValidity = cp.DestinationUidValidity;
            row.HighestSyncedUid = cp.HighestSyncedUid;
            row.SourceUidNext = cp.SourceUidNext;
            row.SourceMessageCount = cp.SourceMessageCount;
            row.HighestModSeq = cp.HighestModSeq is { } m ? unchecked((long)m) : null;
            row.DestinationUidNext = cp.DestinationUidNext;
            row.RetryUidsJson = JsonSerializer.Serialize(cp.RetryUids);
            await db.SaveChangesAsync(cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
