using System.Text.Json;

namespace Ligbox.Tools.NativeImap;

/// <summary>
/// Where the engine keeps what it has copied, per mailbox and source folder, so a delta pass copies only
/// what is new and a killed pass resumes without duplicates. Core implements it on EF Core; the engine
/// ships <see cref="InMemorySyncStateStore"/> and <see cref="JsonFileSyncStateStore"/>.
/// </summary>
/// <remarks>
/// Implementations must apply a <see cref="FolderSyncCommit"/> atomically (checkpoint, added and removed
/// pairs in one transaction): the engine appends a batch, then commits it, and on restart reconciles
/// anything appended after the last commit by message identity.
/// </remarks>
public interface ISyncStateStore
{
    /// <summary>Loads the state of one source folder, or <c>null</c> if it was never synced.</summary>
    /// <param name="mailboxKey">Identifies the source/destination mailbox pair (see <see cref="SyncRequest.MailboxKey"/>).</param>
    /// <param name="sourceFolder">Source folder full name.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    Task<FolderSyncState?> GetFolderAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically stores the new checkpoint of a folder, adds the UID pairs copied or matched since the
    /// last commit and removes those no longer on the source. When <see cref="FolderSyncCommit.ReplaceAll"/>
    /// is set, every existing pair of the folder is dropped first (UIDVALIDITY changed).
    /// </summary>
    /// <param name="mailboxKey">Identifies the mailbox pair.</param>
    /// <param name="commit">What changed.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    Task CommitAsync(string mailboxKey, FolderSyncCommit commit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Loads only the checkpoint of a folder (no UID pairs), or <c>null</c> if it was never synced: what a delta
    /// needs to decide the folder is unchanged or which UIDs are new, at a cost that does not grow with the folder.
    /// </summary>
    /// <param name="mailboxKey">Identifies the mailbox pair.</param>
    /// <param name="sourceFolder">Source folder full name.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    async Task<FolderCheckpoint?> GetCheckpointAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default) =>
        (await GetFolderAsync(mailboxKey, sourceFolder, cancellationToken))?.Checkpoint;

    /// <summary>How many UID pairs a folder has (0 if it was never synced), without loading them.</summary>
    /// <param name="mailboxKey">Identifies the mailbox pair.</param>
    /// <param name="sourceFolder">Source folder full name.</param>
    /// <param name="cancellationToken">Cancels the count.</param>
    async Task<int> CountPairsAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default) =>
        (await GetFolderAsync(mailboxKey, sourceFolder, cancellationToken))?.Pairs.Count ?? 0;

    /// <summary>
    /// Loads the UID pairs of the given source UIDs (those that have one), e.g. the few whose flags changed since
    /// the last pass; every pair of the folder when <paramref name="sourceUids"/> is <c>null</c>.
    /// </summary>
    /// <param name="mailboxKey">Identifies the mailbox pair.</param>
    /// <param name="sourceFolder">Source folder full name.</param>
    /// <param name="sourceUids">The source UIDs wanted, or <c>null</c> for all.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    async Task<IReadOnlyDictionary<uint, UidPair>> GetPairsAsync(
        string mailboxKey, string sourceFolder, IReadOnlyCollection<uint>? sourceUids, CancellationToken cancellationToken = default)
    {
        var pairs = (await GetFolderAsync(mailboxKey, sourceFolder, cancellationToken))?.Pairs ?? new Dictionary<uint, UidPair>();
        return sourceUids is null
            ? pairs
            : sourceUids.Where(pairs.ContainsKey).Distinct().ToDictionary(u => u, u => pairs[u]);
    }
}

/// <summary>A copied (or matched) message: its UID on the source and on the destination.</summary>
/// <param name="SourceUid">UID in the source folder.</param>
/// <param name="DestinationUid">UID in the destination folder; 0 when the server did not report it (no UIDPLUS).</param>
/// <param name="CopiedByUs">
/// Whether this engine appended it (mirror deletes only those), as opposed to finding it already there.
/// </param>
public readonly record struct UidPair(uint SourceUid, uint DestinationUid, bool CopiedByUs);

/// <summary>Where a folder stands after the last committed batch.</summary>
public sealed record FolderCheckpoint
{
    /// <summary>Source folder full name.</summary>
    public required string SourceFolder { get; init; }

    /// <summary>Destination folder full name it maps to.</summary>
    public required string DestinationFolder { get; init; }

    /// <summary>Source UIDVALIDITY the UIDs refer to.</summary>
    public uint SourceUidValidity { get; init; }

    /// <summary>Destination UIDVALIDITY the destination UIDs refer to.</summary>
    public uint DestinationUidValidity { get; init; }

    /// <summary>Every source UID up to this one has been handled (copied, matched or recorded as failed).</summary>
    public uint HighestSyncedUid { get; init; }

    /// <summary>Source UIDNEXT when the folder was last complete (0 while a pass is in progress).</summary>
    public uint SourceUidNext { get; init; }

    /// <summary>Source message count when the folder was last complete.</summary>
    public int SourceMessageCount { get; init; }

    /// <summary>Source HIGHESTMODSEQ flags were synced up to (CONDSTORE servers), else <c>null</c>.</summary>
    public ulong? HighestModSeq { get; init; }

    /// <summary>Destination UIDNEXT after our last append: messages at or above it were not written by a committed batch.</summary>
    public uint DestinationUidNext { get; init; }

    /// <summary>Source UIDs that failed (over quota, rejected) and are retried on the next pass.</summary>
    public IReadOnlyList<uint> RetryUids { get; init; } = [];
}

/// <summary>The checkpoint of a folder plus its source → destination UID map.</summary>
public sealed record FolderSyncState
{
    /// <summary>The checkpoint.</summary>
    public required FolderCheckpoint Checkpoint { get; init; }

    /// <summary>Source UID → pair, for every message copied or matched.</summary>
    public required IReadOnlyDictionary<uint, UidPair> Pairs { get; init; }
}

/// <summary>One atomic update of a folder's state.</summary>
public sealed record FolderSyncCommit
{
    /// <summary>The new checkpoint.</summary>
    public required FolderCheckpoint Checkpoint { get; init; }

    /// <summary>Pairs to add or replace.</summary>
    public IReadOnlyList<UidPair> Added { get; init; } = [];

    /// <summary>Source UIDs whose pairs are removed (expunged on the source).</summary>
    public IReadOnlyList<uint> RemovedSourceUids { get; init; } = [];

    /// <summary>Drop every existing pair of the folder before adding (UIDVALIDITY changed).</summary>
    public bool ReplaceAll { get; init; }
}

/// <summary>Keeps sync state in memory (tests, one-off runs).</summary>
/// <remarks>
/// A commit changes the folder's pair map in place (it used to copy the whole map on every commit, which made an
/// initial pass of one big folder quadratic); readers get copies.
/// </remarks>
public class InMemorySyncStateStore : ISyncStateStore
{
    private readonly Dictionary<(string Mailbox, string Folder), Folder> _folders = [];
    private readonly Lock _lock = new();

    /// <inheritdoc />
    public virtual Task<FolderSyncState?> GetFolderAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_folders.TryGetValue((mailboxKey, sourceFolder), out var folder)
                ? new FolderSyncState { Checkpoint = folder.Checkpoint, Pairs = new Dictionary<uint, UidPair>(folder.Pairs) }
                : null);
        }
    }

    /// <inheritdoc />
    public virtual Task<FolderCheckpoint?> GetCheckpointAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_folders.TryGetValue((mailboxKey, sourceFolder), out var folder) ? folder.Checkpoint : null);
        }
    }

    /// <inheritdoc />
    public virtual Task<int> CountPairsAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_folders.TryGetValue((mailboxKey, sourceFolder), out var folder) ? folder.Pairs.Count : 0);
        }
    }

    /// <inheritdoc />
    public virtual Task<IReadOnlyDictionary<uint, UidPair>> GetPairsAsync(
        string mailboxKey, string sourceFolder, IReadOnlyCollection<uint>? sourceUids, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_folders.TryGetValue((mailboxKey, sourceFolder), out var folder))
            {
                return Task.FromResult<IReadOnlyDictionary<uint, UidPair>>(new Dictionary<uint, UidPair>());
            }

            var result = sourceUids is null ? new Dictionary<uint, UidPair>(folder.Pairs) : [];
            foreach (var uid in sourceUids ?? [])
            {
                if (folder.Pairs.TryGetValue(uid, out var pair))
                {
                    result[uid] = pair;
                }
            }

            return Task.FromResult<IReadOnlyDictionary<uint, UidPair>>(result);
        }
    }

    /// <inheritdoc />
    public virtual Task CommitAsync(string mailboxKey, FolderSyncCommit commit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            Apply(mailboxKey, commit);
        }

        return Task.CompletedTask;
    }

    /// <summary>Every folder state (copies), for persistence by subclasses.</summary>
    protected IReadOnlyDictionary<(string Mailbox, string Folder), FolderSyncState> Snapshot()
    {
        lock (_lock)
        {
            return _folders.ToDictionary(kv => kv.Key, kv => new FolderSyncState
            {
                Checkpoint = kv.Value.Checkpoint,
                Pairs = new Dictionary<uint, UidPair>(kv.Value.Pairs),
            });
        }
    }

    /// <summary>Replaces a folder state (used when loading from persistence).</summary>
    protected void Set(string mailboxKey, FolderSyncState state)
    {
        lock (_lock)
        {
            _folders[(mailboxKey, state.Checkpoint.SourceFolder)] = new Folder(state.Checkpoint, new Dictionary<uint, UidPair>(state.Pairs));
        }
    }

    private void Apply(string mailboxKey, FolderSyncCommit commit)
    {
        var key = (mailboxKey, commit.Checkpoint.SourceFolder);
        if (commit.ReplaceAll || !_folders.TryGetValue(key, out var folder))
        {
            folder = new Folder(commit.Checkpoint, []);
            _folders[key] = folder;
        }

        foreach (var uid in commit.RemovedSourceUids)
        {
            folder.Pairs.Remove(uid);
        }

        foreach (var pair in commit.Added)
        {
            folder.Pairs[pair.SourceUid] = pair;
        }

        folder.Checkpoint = commit.Checkpoint;
    }

    private sealed class Folder(FolderCheckpoint checkpoint, Dictionary<uint, UidPair> pairs)
    {
        public FolderCheckpoint Checkpoint { get; set; } = checkpoint;

        public Dictionary<uint, UidPair> Pairs { get; } = pairs;
    }
}

/// <summary>
/// Keeps sync state in memory and rewrites a JSON file after every commit (bench and tests;
/// Core uses its database). Not meant for very large mailboxes: each commit rewrites the file.
/// </summary>
public sealed class JsonFileSyncStateStore : InMemorySyncStateStore
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };
    private readonly string _path;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>Opens (or starts) the state file at <paramref name="path"/>.</summary>
    public JsonFileSyncStateStore(string path)
    {
        _path = path;
        if (File.Exists(path))
        {
            var entries = JsonSerializer.Deserialize<List<Entry>>(File.ReadAllText(path), JsonOptions) ?? [];
            foreach (var entry in entries)
            {
                Set(entry.Mailbox, new FolderSyncState
                {
                    Checkpoint = entry.Checkpoint,
                    Pairs = entry.Pairs.ToDictionary(p => p.SourceUid),
                });
            }
        }
    }

    /// <inheritdoc />
    public override async Task CommitAsync(string mailboxKey, FolderSyncCommit commit, CancellationToken cancellationToken = default)
    {
        await base.CommitAsync(mailboxKey, commit, cancellationToken);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var entries = Snapshot().Select(kv => new Entry(kv.Key.Mailbox, kv.Value.Checkpoint, kv.Value.Pairs.Values.ToList())).ToList();
            var temp = _path + ".tmp";
            await using (var stream = File.Create(temp))
            {
                await JsonSerializer.SerializeAsync(stream, entries, JsonOptions, CancellationToken.None);
            }

            File.Move(temp, _path, overwrite: true);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private sealed record Entry(string Mailbox, FolderCheckpoint Checkpoint, List<UidPair> Pairs);
}
