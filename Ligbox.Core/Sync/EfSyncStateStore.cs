using System.Text.Json;
using Ligbox.Core.Persistence;
using Ligbox.Tools.NativeImap;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

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
            Checkpoint = ToCheckpoint(row),
            Pairs = pairs.ToDictionary(p => (uint)p.SourceUid, p => new UidPair((uint)p.SourceUid, (uint)p.DestinationUid, p.CopiedByUs)),
        };
    }

    public async Task<FolderCheckpoint?> GetCheckpointAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<FolderSyncStateRow>().AsNoTracking()
            .SingleOrDefaultAsync(r => r.MailboxKey == mailboxKey && r.SourceFolder == sourceFolder, cancellationToken);
        return row is null ? null : ToCheckpoint(row);
    }

    public async Task<int> CountPairsAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Set<UidPairRow>().CountAsync(p => p.MailboxKey == mailboxKey && p.SourceFolder == sourceFolder, cancellationToken);
    }

    public async Task<IReadOnlyDictionary<uint, UidPair>> GetPairsAsync(
        string mailboxKey, string sourceFolder, IReadOnlyCollection<uint>? sourceUids, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var folder = db.Set<UidPairRow>().AsNoTracking().Where(p => p.MailboxKey == mailboxKey && p.SourceFolder == sourceFolder);
        var result = new Dictionary<uint, UidPair>();
        if (sourceUids is null)
        {
            await foreach (var p in folder.Select(p => new { p.SourceUid, p.DestinationUid, p.CopiedByUs }).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                result[(uint)p.SourceUid] = new UidPair((uint)p.SourceUid, (uint)p.DestinationUid, p.CopiedByUs);
            }

            return result;
        }

        foreach (var chunk in sourceUids.Select(u => (long)u).Distinct().Chunk(DeleteChunk))
        {
            var rows = await folder.Where(p => chunk.Contains(p.SourceUid))
                .Select(p => new { p.SourceUid, p.DestinationUid, p.CopiedByUs }).ToListAsync(cancellationToken);
            foreach (var p in rows)
            {
                result[(uint)p.SourceUid] = new UidPair((uint)p.SourceUid, (uint)p.DestinationUid, p.CopiedByUs);
            }
        }

        return result;
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

            var added = commit.Added.GroupBy(p => p.SourceUid).Select(g => g.Last()).ToList();
            if (db.Database.IsSqlite())
            {
                // One prepared statement per kind, re-run per pair inside the transaction, and the checkpoint upserted
                // in SQL: a batch of 500 pairs costs a few milliseconds whatever the folder's size (EF's delete-then-insert
                // with change tracking, plus loading the checkpoint row, cost several times that).
                await WritePairsSqliteAsync(db, mailboxKey, folder, commit.ReplaceAll ? [] : commit.RemovedSourceUids, added, cancellationToken);
                await WriteCheckpointSqliteAsync(db, mailboxKey, cp, cancellationToken);
                await tx.CommitAsync(cancellationToken);
                return;
            }

            {
                // Removed pairs, and the pairs about to be re-added (an upsert is delete + insert).
                var toDelete = commit.RemovedSourceUids.Select(u => (long)u).Concat(added.Select(p => (long)p.SourceUid)).Distinct().ToList();
                if (!commit.ReplaceAll)
                {
                    foreach (var chunk in toDelete.Chunk(DeleteChunk))
                    {
                        await pairs.Where(p => chunk.Contains(p.SourceUid)).ExecuteDeleteAsync(cancellationToken);
                    }
                }

                db.Set<UidPairRow>().AddRange(added.Select(p => new UidPairRow
                {
                    MailboxKey = mailboxKey,
                    SourceFolder = folder,
                    SourceUid = p.SourceUid,
                    DestinationUid = p.DestinationUid,
                    CopiedByUs = p.CopiedByUs,
                }));
            }

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

    private static FolderCheckpoint ToCheckpoint(FolderSyncStateRow row) => new()
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
    };

    private static async Task WritePairsSqliteAsync(
        LigboxDbContext db, string mailboxKey, string folder, IReadOnlyList<uint> removed, IReadOnlyList<UidPair> added, CancellationToken cancellationToken)
    {
        if (removed.Count == 0 && added.Count == 0)
        {
            return;
        }

        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        if (removed.Count > 0)
        {
            await using var delete = connection.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM \"SyncUidPairs\" WHERE \"MailboxKey\" = $m AND \"SourceFolder\" = $f AND \"SourceUid\" = $u";
            var uid = Parameters(delete, mailboxKey, folder, "$u");
            await delete.PrepareAsync(cancellationToken);
            foreach (var u in removed)
            {
                uid.Value = (long)u;
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        if (added.Count > 0)
        {
            await using var upsert = connection.CreateCommand();
            upsert.Transaction = transaction;
            upsert.CommandText = "INSERT INTO \"SyncUidPairs\" (\"MailboxKey\", \"SourceFolder\", \"SourceUid\", \"DestinationUid\", \"CopiedByUs\") "
                + "VALUES ($m, $f, $u, $d, $c) ON CONFLICT (\"MailboxKey\", \"SourceFolder\", \"SourceUid\") "
                + "DO UPDATE SET \"DestinationUid\" = excluded.\"DestinationUid\", \"CopiedByUs\" = excluded.\"CopiedByUs\"";
            var uid = Parameters(upsert, mailboxKey, folder, "$u");
            var destination = upsert.CreateParameter();
            destination.ParameterName = "$d";
            upsert.Parameters.Add(destination);
            var copied = upsert.CreateParameter();
            copied.ParameterName = "$c";
            upsert.Parameters.Add(copied);
            await upsert.PrepareAsync(cancellationToken);
            foreach (var pair in added)
            {
                uid.Value = (long)pair.SourceUid;
                destination.Value = (long)pair.DestinationUid;
                copied.Value = pair.CopiedByUs;
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    private static async Task WriteCheckpointSqliteAsync(LigboxDbContext db, string mailboxKey, FolderCheckpoint cp, CancellationToken cancellationToken)
    {
        await using var upsert = db.Database.GetDbConnection().CreateCommand();
        upsert.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        upsert.CommandText = "INSERT INTO \"SyncFolderStates\" (\"MailboxKey\", \"SourceFolder\", \"DestinationFolder\", \"SourceUidValidity\", "
            + "\"DestinationUidValidity\", \"HighestSyncedUid\", \"SourceUidNext\", \"SourceMessageCount\", \"HighestModSeq\", \"DestinationUidNext\", \"RetryUidsJson\") "
            + "VALUES ($m, $f, $df, $suv, $duv, $h, $sun, $smc, $ms, $dun, $r) ON CONFLICT (\"MailboxKey\", \"SourceFolder\") DO UPDATE SET "
            + "\"DestinationFolder\" = excluded.\"DestinationFolder\", \"SourceUidValidity\" = excluded.\"SourceUidValidity\", "
            + "\"DestinationUidValidity\" = excluded.\"DestinationUidValidity\", \"HighestSyncedUid\" = excluded.\"HighestSyncedUid\", "
            + "\"SourceUidNext\" = excluded.\"SourceUidNext\", \"SourceMessageCount\" = excluded.\"SourceMessageCount\", "
            + "\"HighestModSeq\" = excluded.\"HighestModSeq\", \"DestinationUidNext\" = excluded.\"DestinationUidNext\", \"RetryUidsJson\" = excluded.\"RetryUidsJson\"";
        foreach (var (name, value) in new (string, object?)[]
        {
            ("$m", mailboxKey), ("$f", cp.SourceFolder), ("$df", cp.DestinationFolder), ("$suv", (long)cp.SourceUidValidity),
            ("$duv", (long)cp.DestinationUidValidity), ("$h", (long)cp.HighestSyncedUid), ("$sun", (long)cp.SourceUidNext),
            ("$smc", cp.SourceMessageCount), ("$ms", cp.HighestModSeq is { } m ? unchecked((long)m) : DBNull.Value),
            ("$dun", (long)cp.DestinationUidNext), ("$r", JsonSerializer.Serialize(cp.RetryUids)),
        })
        {
            var parameter = upsert.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            upsert.Parameters.Add(parameter);
        }

        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static System.Data.Common.DbParameter Parameters(System.Data.Common.DbCommand command, string mailboxKey, string folder, string uidName)
    {
        foreach (var (name, value) in new[] { ("$m", mailboxKey), ("$f", folder) })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        var uid = command.CreateParameter();
        uid.ParameterName = uidName;
        command.Parameters.Add(uid);
        return uid;
    }
}
