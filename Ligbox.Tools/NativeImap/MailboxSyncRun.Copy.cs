using System.Threading.Channels;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Ligbox.Tools.Statistics;
using MimeKit;

namespace Ligbox.Tools.NativeImap;

internal sealed partial class MailboxSyncRun
{
    private static readonly HeaderSet IdentityHeaders = new([HeaderId.MessageId]);
    private static readonly HeaderSet VerifyHeaders = new([HeaderId.MessageId, HeaderId.Subject]);
    private const int IndexChunk = 1000;

    /// <summary>
    /// Reads the source (one connection): identity headers of a chunk of candidate UIDs, matches them
    /// against the destination index, then fetches the bodies to copy in byte-bounded units. Runs one unit
    /// ahead of the appender, so reading and writing overlap.
    /// </summary>
    /// <remarks>
    /// <c>readAhead</c>: the folder is read ahead (<see cref="ReadAhead"/>). Its first unit is read while the folder before
    /// is appended, so it need not be small: it is one MULTIAPPEND group, not a quarter of the folder.
    /// <c>shared</c>: the source connection reads for other lanes too (staged copies); each FETCH waits for its turn.
    /// </remarks>
    /// <returns>Whether every unit was handed over (a failure completes the channel with it instead).</returns>
    private async Task<bool> ProduceUnitsAsync(
        ImapFolder src, IReadOnlyList<UniqueId> candidates, IdentityIndex? index, HashSet<uint> copiedBefore, ChannelWriter<CopyUnit> writer, CancellationToken ct,
        bool readAhead = false, SemaphoreSlim? shared = null)
    {
        try
        {
            // Identity headers only when there is something to match them against (not for an empty destination folder).
            var matching = index is { IsEmpty: false };
            var request = new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Size)
            {
                Headers = matching ? IdentityHeaders : null,
            };
            // The lanes share the mailbox's batch budget, so four lanes do not hold four times the memory of one. Staging
            // lanes (a shared reader) take a quarter of that (about one MULTIAPPEND group of 5 KB messages): a staged
            // folder is large, its pass holds more besides, and the reader serves a lane's next unit in milliseconds.
            var unitBudget = Math.Max(1, _options.BatchBytes / Math.Max(1, _options.AppendConnectionsPerMailbox) / (shared is null ? 1 : 4));
            // A folder's first unit is small: its APPEND starts after a quarter of the folder (at most one MULTIAPPEND
            // group) is read, and the next unit is read meanwhile. With full units a folder that fits in one unit (most
            // of them) was read whole before its first APPEND. Read ahead, or in a delta, it is one whole group: a folder
            // of one group takes one APPEND and one commit, not two (each APPEND is a transaction of the server's; into a
            // folder of 300,000 messages 0.3 s whatever its size, and a delta's new messages are read in milliseconds).
            var group = Math.Max(1, _options.MultiAppendSize);
            var wholeFirst = readAhead || _request.Kind != SyncKind.Initial;
            var firstUnitMessages = wholeFirst ? group : Math.Clamp(candidates.Count / 4, 1, group);
            var firstUnitBytes = wholeFirst ? unitBudget : unitBudget / 4;
            var first = true;
            Task Bodies(CopyUnit u, CancellationToken token) => InTurnAsync(shared, async () => { await FetchBodiesAsync(src, u, token); return true; }, token);
            foreach (var chunk in candidates.Chunk(_options.BatchSize))
            {
                var summaries = (await InTurnAsync(shared, () => src.FetchAsync(chunk, request, ct), ct)).OrderBy(s => s.UniqueId.Id).ToList();
                var unit = new CopyUnit(_bodies.NewBatch());
                long unitBytes = 0;
                var returned = new HashSet<uint>(summaries.Select(s => s.UniqueId.Id));
                foreach (var summary in summaries)
                {
                    var match = matching ? await MatchAsync(src, summary, index!, ct) : null;
                    if (match is { } destination)
                    {
                        unit.Matched.Add(new UidPair(summary.UniqueId.Id, destination.Uid, copiedBefore.Contains(destination.Uid)));
                        var flags = CleanFlags(summary.Flags);
                        var keywords = summary.Keywords.ToHashSet(StringComparer.Ordinal);
                        if (destination.Flags != flags || !destination.Keywords.SetEquals(keywords))
                        {
                            unit.FlagFixes.Add(new FlagFix(destination.Uid, flags, keywords));
                        }
                    }
                    else
                    {
                        var size = (long)(summary.Size ?? 0);
                        var full = first
                            ? unitBytes + size > firstUnitBytes || unit.ToCopy.Count >= firstUnitMessages
                            : unitBytes + size > unitBudget;
                        if (unit.ToCopy.Count > 0 && (full || size > _options.LargeMessageBytes))
                        {
                            // A unit full by its bytes ends at a whole number of MULTIAPPEND groups: the messages past the
                            // last whole group start the next unit instead of being an APPEND of their own (each APPEND is
                            // a transaction of the server's; 5 KB messages in 2 MB units were groups of 100, 100, 100,
                            // 100 and 11). Only in a unit of copies alone: then its handled UIDs end with the same messages.
                            // (A folder's first unit holds one group at most.)
                            var carry = !matching && full && size <= _options.LargeMessageBytes && unit.ToCopy.Count > group
                                ? unit.ToCopy.Count % group : 0;
                            var carried = unit.ToCopy.GetRange(unit.ToCopy.Count - carry, carry);
                            unit.ToCopy.RemoveRange(unit.ToCopy.Count - carry, carry);
                            unit.HandledUids.RemoveRange(unit.HandledUids.Count - carry, carry);
                            unit.HighestUid = unit.ToCopy[^1].Summary.UniqueId.Id;
                            await HandOverAsync(writer, unit, Bodies, ct);
                            unit = new CopyUnit(_bodies.NewBatch());
                            unitBytes = 0;
                            first = false;
                            foreach (var message in carried)
                            {
                                unit.ToCopy.Add(message);
                                unit.HandledUids.Add(message.Summary.UniqueId.Id);
                                unitBytes += (long)(message.Summary.Size ?? 0);
                            }
                        }

                        unit.ToCopy.Add(new PendingMessage(summary));
                        unitBytes += size;
                    }

                    unit.HandledUids.Add(summary.UniqueId.Id);
                }

                // UIDs that vanished between SEARCH and FETCH are done with as well.
                unit.HandledUids.AddRange(chunk.Select(u => u.Id).Where(u => !returned.Contains(u)));
                unit.HighestUid = chunk.Max(u => u.Id);
                first &= unit.ToCopy.Count == 0;
                await HandOverAsync(writer, unit, Bodies, ct);
            }

            writer.TryComplete();
            return true;
        }
        catch (Exception ex)
        {
            writer.TryComplete(ex);
            return false;
        }
    }

    /// <summary>A command on a source connection other lanes share (<paramref name="shared"/>; <c>null</c>: the lane's own).</summary>
    private static async Task<T> InTurnAsync<T>(SemaphoreSlim? shared, Func<Task<T>> command, CancellationToken ct)
    {
        if (shared is null)
        {
            return await command();
        }

        await shared.WaitAsync(ct);
        try
        {
            return await command();
        }
        finally
        {
            shared.Release();
        }
    }

    /// <summary>
    /// Fetches a unit's bodies once the appender has taken the unit before it, then hands it over. A lane so holds
    /// the bodies of two units at most: the one being appended and the one being fetched. Fetching as soon as the
    /// previous unit was handed over kept a third one waiting in the channel: a third more of the mailbox's memory
    /// for no faster copy, since the appender is the slower side (docs/performance.md, session 14).
    /// </summary>
    internal static async Task HandOverAsync<TUnit>(
        ChannelWriter<TUnit> writer, TUnit unit, Func<TUnit, CancellationToken, Task> fetchBodies, CancellationToken ct)
    {
        if (!await writer.WaitToWriteAsync(ct))
        {
            throw new ChannelClosedException();
        }

        await fetchBodies(unit, ct);
        await writer.WriteAsync(unit, ct);
    }

    private async Task<IndexEntry?> MatchAsync(ImapFolder src, IMessageSummary summary, IdentityIndex index, CancellationToken ct)
    {
        var messageId = MessageIdentity.MessageId(summary);
        string? hash = null;
        if (messageId is null)
        {
            if (!index.HasHashes)
            {
                return null;
            }

            await using var stream = await src.GetStreamAsync(summary.UniqueId, ct);
            hash = await MessageIdentity.HashAsync(stream, ct);
        }

        return index.Take(MessageIdentity.Key(messageId, hash, summary.InternalDate, summary.Size));
    }

    private async Task FetchBodiesAsync(ImapFolder src, CopyUnit unit, CancellationToken ct)
    {
        if (unit.ToCopy.Count == 0)
        {
            return;
        }

        var byUid = unit.ToCopy.ToDictionary(m => m.Summary.UniqueId.Id);
        // One FETCH BODY.PEEK[] for the whole unit; big bodies are spooled to disk by SpoolingImapFolder and the
        // spool file is kept (not copied) until the append; small ones are kept as byte arrays.
        await src.GetStreamsAsync(unit.ToCopy.Select(m => m.Summary.UniqueId).ToList(), async (_, _, uid, stream, token) =>
        {
            var pending = byUid[uid.Id];
            if (stream is SpoolFile spool)
            {
                // SpoolingImapFolder spools every body over LargeMessageBytes: the file is kept, not copied.
                pending.File = spool.Keep();
            }
            else if (stream.CanSeek)
            {
                // One copy, straight into the batch's slab (BodySlabs), kept until the append.
                var bytes = unit.Bodies.Reserve((int)(stream.Length - stream.Position));
                await stream.ReadExactlyAsync(bytes, token);
                pending.Bytes = bytes;
            }
            else
            {
                using var buffer = new MemoryStream(8192);
                await stream.CopyToAsync(buffer, token);
                pending.Bytes = buffer.ToArray();
            }
        }, ct);
    }

    private readonly record struct AppendOutcome(List<UidPair> Pairs, List<uint> Failed);

    /// <summary>
    /// Appends a unit's messages on the lane's destination connection in MULTIAPPEND groups, one after the other: a
    /// server serialises appends into one folder (Dovecot locks the folder's index for each), so parallel connections
    /// into the same folder only wait on each other; the other lanes append into other folders meanwhile. A rejected
    /// group is retried message by message so one bad message (over quota, too big) becomes one counted error.
    /// </summary>
    private async Task<AppendOutcome> AppendUnitAsync(FolderRun run, CopyUnit unit, string destination, CancellationToken ct)
    {
        var pairs = new List<UidPair>();
        var failed = new List<uint>();
        // A message whose body the source did not return was expunged meanwhile: nothing to copy or retry.
        var ready = unit.ToCopy.Where(m => m.Bytes.HasValue || m.File is not null).ToList();

        RequestMoreLanes();
        var connection = Destination;
        var multi = connection.Client.Capabilities.HasFlag(ImapCapabilities.MultiAppend) ? _options.MultiAppendSize : 1;
        var folder = await GetOrCreateFolderAsync(connection, destination, ct);
        foreach (var group in ready.Chunk(multi))
        {
            await AppendGroupAsync(run, connection, folder, group, pairs, failed, ct);
        }

        return new AppendOutcome(pairs, failed);
    }

    private async Task AppendGroupAsync(
        FolderRun run, ImapConnection connection, IMailFolder folder, PendingMessage[] group,
        List<UidPair> pairs, List<uint> failed, CancellationToken ct)
    {
        var bytes = group.Sum(m => (long)(m.Summary.Size ?? 0));
        await _throttle.WaitAsync(group.Length, bytes, ct);
        var messages = new List<MimeMessage>(group.Length);
        try
        {
            var requests = new List<IAppendRequest>(group.Length);
            foreach (var pending in group)
            {
                // The fetched bytes as they are: no parse, no re-serialisation (RawMessage).
                var message = pending.File is not null ? _rawMessages.Rent(pending.File) : _rawMessages.Rent(pending.Bytes!.Value);
                messages.Add(message);
                requests.Add(new AppendRequest(message, CleanFlags(pending.Summary.Flags))
                {
                    InternalDate = pending.Summary.InternalDate,
                    Keywords = pending.Summary.Keywords.Count > 0 ? pending.Summary.Keywords.ToHashSet(StringComparer.Ordinal) : null,
                });
            }

            if (group.Length == 1)
            {
                try
                {
                    var uid = await folder.AppendAsync(requests[0], ct);
                    Record(run, group[0], uid, pairs);
                }
                catch (ImapCommandException ex)
                {
                    RecordError(run, group[0], ex, failed);
                }

                return;
            }

            IList<UniqueId> uids;
            try
            {
                uids = await folder.AppendAsync(requests, ct);
            }
            catch (ImapCommandException)
            {
                // MULTIAPPEND is all or nothing: find the bad message(s) one by one.
                foreach (var single in group)
                {
                    await AppendGroupAsync(run, connection, folder, [single], pairs, failed, ct);
                }

                return;
            }

            for (var i = 0; i < group.Length; i++)
            {
                Record(run, group[i], i < uids.Count ? uids[i] : null, pairs);
            }
        }
        finally
        {
            foreach (var message in messages)
            {
                _rawMessages.Return(message);
            }
        }
    }

    private void Record(FolderRun run, PendingMessage pending, UniqueId? destinationUid, List<UidPair> pairs)
    {
        pairs.Add(new UidPair(pending.Summary.UniqueId.Id, destinationUid?.Id ?? 0, CopiedByUs: true));
        var size = (long)(pending.Summary.Size ?? 0);
        Interlocked.Increment(ref run.Transferred);
        Interlocked.Add(ref run.Bytes, size);
        Interlocked.Increment(ref _transferred);
        Interlocked.Add(ref _bytes, size);
    }

    private void RecordError(FolderRun run, PendingMessage pending, ImapCommandException ex, List<uint> failed)
    {
        failed.Add(pending.Summary.UniqueId.Id);
        Interlocked.Increment(ref run.Errors);
        var errors = Interlocked.Increment(ref _errors);
        var kind = ImapErrorClassifier.IsOverQuota(ex) ? ImapFailureKind.QuotaExceeded : ImapFailureKind.MessageRejected;
        _lastErrorKind = kind;
        var what = kind == ImapFailureKind.QuotaExceeded ? "over quota" : "rejected";
        Log(Microsoft.Extensions.Logging.LogLevel.Warning,
            $"{run.Mapping.Source}: message UID {pending.Summary.UniqueId.Id} ({pending.Summary.Size} bytes) not copied, destination {what}: {ex.ResponseText}");
        if (errors > _options.MaxErrors)
        {
            var message = kind == ImapFailureKind.QuotaExceeded
                ? $"{_request.Destination.User} is over quota on the destination: {errors} messages could not be copied; raise the quota or free space"
                : $"{errors} messages could not be copied to {_request.Destination.User} on the destination (more than the {_options.MaxErrors} allowed); last: {ex.ResponseText}";
            throw new ImapSyncException(new ImapFailure(_lastErrorKind == ImapFailureKind.QuotaExceeded ? ImapFailureKind.QuotaExceeded : ImapFailureKind.TooManyErrors,
                ImapSide.Destination, message, ex.Message), ex);
        }
    }

    /// <summary>Identity of messages in a folder (all of it, or a UID range): key → destination UIDs with flags.</summary>
    private async Task<IdentityIndex> IndexAsync(IMailFolder folder, UniqueIdRange? range, bool withSubject, CancellationToken ct)
    {
        var index = new IdentityIndex();
        await foreach (var entry in ReadIdentitiesAsync(folder, range, withSubject, hashAll: true, ct))
        {
            index.Add(entry);
        }

        return index;
    }

    private async IAsyncEnumerable<IndexEntry> ReadIdentitiesAsync(
        IMailFolder folder, UniqueIdRange? range, bool withSubject, bool hashAll, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct,
        HashSet<uint>? only = null)
    {
        var uids = range is null
            ? await folder.SearchAsync(SearchQuery.All, ct)
            : (await folder.SearchAsync(SearchQuery.Uids(range), ct)).Where(u => range.Contains(u)).ToList();
        if (only is not null)
        {
            uids = uids.Where(u => only.Contains(u.Id)).ToList();
        }

        var request = new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Size)
        {
            Headers = withSubject ? VerifyHeaders : IdentityHeaders,
        };
        foreach (var chunk in uids.Chunk(IndexChunk))
        {
            foreach (var summary in await folder.FetchAsync(chunk, request, ct))
            {
                var messageId = MessageIdentity.MessageId(summary);
                string? hash = null;
                if (messageId is null && hashAll)
                {
                    await using var stream = await folder.GetStreamAsync(summary.UniqueId, ct);
                    hash = await MessageIdentity.HashAsync(stream, ct);
                }

                yield return new IndexEntry(
                    summary.UniqueId.Id,
                    MessageIdentity.Key(messageId, hash, summary.InternalDate, summary.Size),
                    CleanFlags(summary.Flags),
                    summary.Keywords.ToHashSet(StringComparer.Ordinal),
                    messageId,
                    withSubject ? summary.Headers?[HeaderId.Subject] : null,
                    summary.InternalDate);
            }
        }
    }

    /// <summary>Checks every source message has an identical (by identity) message on the destination.</summary>
    /// <remarks>
    /// Missing messages are also queued for the next pass (pair dropped, UID added to the retries), so a
    /// message deleted on the destination behind our back is copied again instead of only reported.
    /// </remarks>
    private async Task VerifyFolderAsync(FolderRun run, IMailFolder src, IMailFolder dst, FolderCheckpoint checkpoint, HashSet<uint>? inWindow, CancellationToken ct)
    {
        if (!src.IsOpen)
        {
            await OpenFolderAsync(src, FolderAccess.ReadOnly, ImapSide.Source, ct);
        }

        if (!dst.IsOpen)
        {
            await OpenFolderAsync(dst, FolderAccess.ReadOnly, ImapSide.Destination, ct);
        }

        var destination = await IndexAsync(dst, null, withSubject: false, ct);
        var missing = 0;
        var missingUids = new List<uint>();
        // Only messages inside the date window are expected on the destination.
        await foreach (var entry in ReadIdentitiesAsync(src, null, withSubject: true, hashAll: true, ct, inWindow))
        {
            if (destination.Take(entry.Key) is null)
            {
                missing++;
                missingUids.Add(entry.Uid);
                lock (_missing)
                {
                    if (_missing.Count < _options.MaxMissingListed)
                    {
                        _missing.Add(new MissingMessage(run.Mapping.Source, entry.MessageId, entry.Subject, entry.Date));
                    }
                }
            }
        }

        Interlocked.Add(ref _missingCount, missing);
        run.DestinationMessages = destination.Total;
        if (missing > 0)
        {
            Log(Microsoft.Extensions.Logging.LogLevel.Warning, $"{run.Mapping.Source}: {missing} messages missing on {run.Mapping.Destination}; they will be copied again by the next pass");
            await _store.CommitAsync(_key, new FolderSyncCommit
            {
                Checkpoint = checkpoint with { RetryUids = checkpoint.RetryUids.Union(missingUids).ToList() },
                RemovedSourceUids = missingUids,
            }, ct);
        }
    }

    private sealed record IndexEntry(uint Uid, string Key, MessageFlags Flags, HashSet<string> Keywords, string? MessageId, string? Subject, DateTimeOffset? Date);

    /// <summary>A multiset of identities: each destination message can match one source message only.</summary>
    private sealed class IdentityIndex
    {
        private readonly Dictionary<string, Queue<IndexEntry>> _entries = new(StringComparer.Ordinal);

        public bool HasHashes { get; private set; }

        public bool IsEmpty => _entries.Count == 0;

        public int Total { get; private set; }

        public void Add(IndexEntry entry)
        {
            if (!_entries.TryGetValue(entry.Key, out var queue))
            {
                _entries[entry.Key] = queue = new Queue<IndexEntry>();
            }

            queue.Enqueue(entry);
            HasHashes |= entry.MessageId is null;
            Total++;
        }

        public IndexEntry? Take(string key)
        {
            if (!_entries.TryGetValue(key, out var queue) || !queue.TryDequeue(out var entry))
            {
                return null;
            }

            if (queue.Count == 0)
            {
                _entries.Remove(key);
            }

            return entry;
        }
    }

    private sealed class PendingMessage(IMessageSummary summary)
    {
        public IMessageSummary Summary { get; } = summary;
        public ReadOnlyMemory<byte>? Bytes { get; set; }
        public SpoolFile? File { get; set; }
    }

    /// <summary>What the pass records of a batch once it is appended: no bodies, no summaries (a staged run keeps thousands).</summary>
    private sealed record BatchRecord(List<UidPair> Matched, List<uint> HandledUids, uint HighestUid, int Copied)
    {
        public static BatchRecord Of(CopyUnit unit) => new(unit.Matched, unit.HandledUids, unit.HighestUid, unit.ToCopy.Count);
    }

    /// <summary>A batch handed from the reader to the appenders, committed as one.</summary>
    private sealed class CopyUnit(BodySlabs.Batch bodies) : IDisposable
    {
        /// <summary>Where the bodies of the small messages are kept until the append.</summary>
        public BodySlabs.Batch Bodies { get; } = bodies;

        public List<PendingMessage> ToCopy { get; } = [];
        public List<UidPair> Matched { get; } = [];
        public List<FlagFix> FlagFixes { get; } = [];
        public List<uint> HandledUids { get; } = [];
        public uint HighestUid { get; set; }

        public void Dispose()
        {
            foreach (var message in ToCopy)
            {
                message.File?.Release();
                message.File = null;
                message.Bytes = null;
            }

            Bodies.Dispose();
        }
    }
}
