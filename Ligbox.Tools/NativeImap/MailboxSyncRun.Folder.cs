using System.Threading.Channels;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;

namespace Ligbox.Tools.NativeImap;

internal sealed partial class MailboxSyncRun
{
    /// <summary>
    /// Syncs one folder. Fast path: when the source's UIDVALIDITY, UIDNEXT, MESSAGES and HIGHESTMODSEQ
    /// (from LIST-STATUS) equal the last complete checkpoint, nothing is selected or fetched. Otherwise
    /// copies source UIDs above the checkpoint (or, without usable state, everything not found on the
    /// destination by identity), updates changed flags (CHANGEDSINCE), mirrors expunges, and verifies.
    /// </summary>
    /// <remarks>
    /// <c>ahead</c> is the folder as the lane read it ahead (<see cref="ReadAhead"/>): used when the pass would have read
    /// the same (no checkpoint, an empty destination folder), dropped otherwise.
    /// </remarks>
    private async Task SyncFolderAsync(FolderRun run, FolderInfo? sourceInfo, FolderInfo? destinationInfo, ReadAheadFolder? ahead, CancellationToken ct)
    {
        try
        {
            await SyncFolderCoreAsync(run, sourceInfo, destinationInfo, ahead, ct);
        }
        finally
        {
            // Not used: the pass failed before it could, had to read the folder its own way (dropped it already:
            // dropping is idempotent), or the folder was empty.
            if (ahead is { Used: false })
            {
                await DropAsync(ahead);
            }
        }
    }

    private async Task SyncFolderCoreAsync(FolderRun run, FolderInfo? sourceInfo, FolderInfo? destinationInfo, ReadAheadFolder? ahead, CancellationToken ct)
    {
        var mapping = run.Mapping;
        // Lane 0's first changed folder of a delta may be being opened on the source already.
        var openedAhead = await OpenedAheadForAsync(mapping.Source);
        // Only the checkpoint: a delta's cost must not grow with the folder. UID pairs are read when needed
        // (the mirror of a final pass; the few whose flags changed).
        var cp = await _store.GetCheckpointAsync(_key, mapping.Source, ct);
        // What was read ahead is used when this pass would have read the same: no checkpoint (and, below, an empty
        // destination folder), on the connection it was read on.
        (ImapFolder Folder, List<UniqueId> Candidates)? selected = null;
        if (ahead is not null && cp is null && ahead.Connection == CurrentLane.Source)
        {
            try
            {
                selected = await ahead.Selected.Task;
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // Read again below: a connection problem shows there.
            }
        }

        if (ahead is not null && selected is null)
        {
            await DropAsync(ahead);
            ahead = null;
        }

        IMailFolder src = selected?.Folder ?? openedAhead?.Folder ?? await Source.Client.GetFolderAsync(mapping.Source, ct);
        sourceInfo ??= await StatusAsync(Source, src, ct, withSize: !SourceSizesAfterPass);
        var dst = await GetOrCreateFolderAsync(Destination, mapping.Destination, ct);
        // The destination's counters check a checkpoint. Without one (an initial pass lists the destination without
        // them) the SELECT below gives them.
        if (cp is not null && (destinationInfo is null || destinationInfo.UidValidity == 0))
        {
            destinationInfo = await StatusAsync(Destination, dst, ct, withSize: false);
        }

        run.Skipped = 0;
        run.SourceMessages = sourceInfo.Count;
        run.SourceBytes = sourceInfo.Size;
        var modSeq = ModSeqOf(Source, sourceInfo);
        var valid = cp is not null
            && cp.SourceUidValidity == sourceInfo.UidValidity
            && cp.DestinationFolder == mapping.Destination
            && cp.DestinationUidValidity == destinationInfo!.UidValidity;

        // The mirror of a final pass needs every pair; nothing else does.
        var mirrorPairs = Mirror && valid ? new Dictionary<uint, UidPair>(await _store.GetPairsAsync(_key, mapping.Source, null, ct)) : null;
        if (valid && SourceUnchanged(cp!, sourceInfo, modSeq)
            // Expunges already seen by a delta leave pairs behind for the mirror of the final pass.
            && (mirrorPairs is null || mirrorPairs.Count == sourceInfo.Count))
        {
            if (openedAhead is { } unchanged)
            {
                // Not expected (it was chosen because SourceUnchanged was false), but the source is used below: its
                // connection is free once that EXAMINE is answered.
                await unchanged.Examine;
            }

            var window = await WindowAsync(run, src, sourceInfo.Count, ct);
            run.Skipped = window?.Count ?? sourceInfo.Count;
            run.DestinationMessages = destinationInfo!.Count;
            Interlocked.Add(ref _mailboxDone, run.Skipped);
            if (Verify)
            {
                await VerifyFolderAsync(run, src, dst, cp!, window, ct);
            }

            Report(SyncProgressStage.FolderCompleted, run, sourceInfo.Count, sourceInfo.Count, $"{mapping.Source} → {mapping.Destination}: unchanged");
            return;
        }

        Report(SyncProgressStage.FolderStarted, run, 0, sourceInfo.Count);
        // Both SELECTs at once (two connections): on a big maildir each side re-reads its directory here. A folder
        // read or opened ahead is selected already (and a reader may still be using the source connection).
        var opening = ahead is not null ? Task.CompletedTask
            : openedAhead is not null ? OpenedOrOpenAsync(openedAhead, ct)
            : OpenFolderAsync(src, FolderAccess.ReadOnly, ImapSide.Source, ct);
        var selecting = OpenReadWriteAsync(dst, ct);
        // Work on the destination connection that runs while the pass goes on with the source (DestinationWork): when a
        // delta may have flags to set, looking the message files up as soon as the folder is selected; then the STORE.
        var flagsMayHaveChanged = valid && _request.Kind != SyncKind.Initial && cp!.HighestSyncedUid > 0
            && !(modSeq is not null && cp.HighestModSeq == modSeq);
        await using var destinationWork = new DestinationWork(flagsMayHaveChanged ? LookUpMessageFilesAsync(selecting, dst, ct) : Task.CompletedTask);
        await Task.WhenAll(opening, selecting);
        if (destinationInfo is null || destinationInfo.UidValidity == 0)
        {
            destinationInfo = ToInfo(dst);
        }

        if (ahead is not null && destinationInfo.Count > 0)
        {
            // Messages to match by identity: the folder is read again with the destination's index.
            await DropAsync(ahead);
            ahead = null;
            if (!src.IsOpen)
            {
                await OpenFolderAsync(src, FolderAccess.ReadOnly, ImapSide.Source, ct);
            }
        }

        var inWindow = await WindowAsync(run, src, sourceInfo.Count, ct);
        // Pairs are tracked in memory only for the mirror; the store has them all.
        var pairs = Mirror ? mirrorPairs ?? [] : null;
        var copiedBefore = new HashSet<uint>();
        IdentityIndex? index = null;
        var replaceAll = !valid;
        var highest = valid ? cp!.HighestSyncedUid : 0;
        var retry = valid ? cp!.RetryUids.ToHashSet() : [];
        // In identity mode the whole destination folder must be re-matched if this pass is interrupted,
        // so the in-progress checkpoint says "everything from UID 1 is unaccounted for".
        var destinationUidNext = valid ? cp!.DestinationUidNext : 1;
        if (!valid)
        {
            Log(Microsoft.Extensions.Logging.LogLevel.Information, cp is null
                ? $"{mapping.Source}: no sync state, matching by message identity against {destinationInfo.Count} messages in {mapping.Destination}"
                : $"{mapping.Source}: UIDVALIDITY or destination changed since the last pass, matching by message identity");
            if (cp is not null && cp.DestinationFolder == mapping.Destination && cp.DestinationUidValidity == destinationInfo.UidValidity)
            {
                copiedBefore = (await _store.GetPairsAsync(_key, mapping.Source, null, ct)).Values.Where(p => p.CopiedByUs && p.DestinationUid != 0).Select(p => p.DestinationUid).ToHashSet();
            }

            if (destinationInfo.Count > 0)
            {
                await destinationWork.Task;
                index = await IndexAsync(dst, null, withSubject: false, ct);
            }
        }
        else if (cp!.SourceUidNext == 0 && (destinationInfo.UidNext == 0 || destinationInfo.UidNext > cp.DestinationUidNext))
        {
            // The last pass stopped between an APPEND and its commit: whatever reached the destination
            // after the last checkpoint is matched by identity instead of being copied again.
            Log(Microsoft.Extensions.Logging.LogLevel.Information, $"{mapping.Source}: resuming an interrupted pass, matching messages appended after the last checkpoint");
            await destinationWork.Task;
            index = await IndexAsync(dst, new UniqueIdRange(UniqueId.MinValue.Validity, cp.DestinationUidNext, uint.MaxValue), withSubject: false, ct);
        }

        // A delta's flag changes are set on the destination while the source is searched and read for the new messages
        // (two connections, two servers). On a big maildir each server re-reads the folder's directory for its part: the
        // destination to find the files its STORE renames, the source to find the new files it sends. One after the other
        // they were most of such a delta (docs/performance.md, session 32). What uses the destination connection below
        // waits for the STORE first; a pass that fails meanwhile waits for it too (a retry reuses the connection).
        if (flagsMayHaveChanged && await FlagFixesAsync(run, src, cp!, modSeq, highest, ct) is { Count: > 0 } fixes)
        {
            destinationWork.Then(() => ApplyFlagsAsync(run, dst, fixes, ct));
        }

        var candidates = ahead is not null ? selected!.Value.Candidates : await CandidatesAsync(src, valid, highest, sourceInfo.UidNext, retry, ct);
        if (inWindow is not null)
        {
            // Older than the window: not copied, and (as "out of window") neither skipped nor missing.
            candidates = candidates.Where(u => inWindow.Contains(u.Id)).ToList();
        }
        var checkpoint = new FolderCheckpoint
        {
            SourceFolder = mapping.Source,
            DestinationFolder = mapping.Destination,
            SourceUidValidity = sourceInfo.UidValidity,
            DestinationUidValidity = destinationInfo.UidValidity,
            HighestSyncedUid = highest,
            SourceUidNext = 0,
            SourceMessageCount = cp?.SourceMessageCount ?? 0,
            HighestModSeq = valid ? cp!.HighestModSeq : null,
            DestinationUidNext = destinationUidNext,
            RetryUids = retry.ToList(),
        };
        // The "in progress" mark is written while the source is read for the first batch; it is awaited before
        // anything is appended.
        var mark = candidates.Count > 0 || replaceAll
            ? _store.CommitAsync(_key, new FolderSyncCommit { Checkpoint = checkpoint, ReplaceAll = replaceAll }, ct)
            : Task.CompletedTask;

        var alreadyDone = Math.Max(0, (inWindow?.Count ?? sourceInfo.Count) - candidates.Count);
        long folderDone = alreadyDone;
        // After a reconnect, what earlier attempts copied is "already done" now but stays counted as transferred.
        run.Skipped += Math.Max(0, alreadyDone - run.Transferred);
        Interlocked.Add(ref _mailboxDone, alreadyDone);
        var maxAppended = 0u;
        if (MayStage(candidates.Count))
        {
            // Staging may borrow the lane's destination connection.
            await destinationWork.Task;
        }

        // A big folder's batches are copied by staging lanes at once and moved into the folder in order
        // (StagedAppendMinMessages); recorded below one batch after the other, as the lane's own batches are. Not for a
        // folder read ahead (its reader has started) or matched by identity (flags are set on the lane's connection).
        var staged = candidates.Count > 0 && ahead is null && index is null
            ? await OpenStagingAsync(run, src, dst, candidates, aheadOfRecorded => Report(SyncProgressStage.FolderProgress, run, folderDone + aheadOfRecorded, sourceInfo.Count), ct)
            : null;
        if (staged is not null)
        {
            var pendingCommit = mark;
            try
            {
                // Nothing reaches the folder before the "in progress" mark is written.
                await mark;
                await foreach (var (batch, appended) in staged.CopyAsync(ct))
                {
                    await pendingCommit;
                    pendingCommit = staged.Recording(batch, () => RecordBatch(batch, appended));
                }

                await pendingCommit;
            }
            finally
            {
                await staged.DisposeAsync();
                try
                {
                    await pendingCommit;
                }
                catch (Exception) when (!pendingCommit.IsCompletedSuccessfully)
                {
                    // Already failing: the first error is the one reported.
                }
            }

            // The lane's destination connection had its staging folder selected: the folder again, for its count.
            await OpenReadWriteAsync(dst, ct);
        }
        else if (candidates.Count > 0)
        {
            // What was read ahead is this pass's now (an empty folder leaves it to the caller to drop).
            ahead?.Used = true;
            using var stop = ahead?.Stop ?? CancellationTokenSource.CreateLinkedTokenSource(ct);
            var channel = ahead?.Units ?? Channel.CreateBounded<CopyUnit>(1);
            var lane = CurrentLane;
            var producer = ReadThenReadAheadAsync(
                ahead?.Reader ?? ProduceUnitsAsync((ImapFolder)src, candidates, index, copiedBefore, channel.Writer, stop.Token), lane, ct);
            // A unit's commit runs while the next unit is appended (one commit in flight, in order): the state
            // store is off the critical path. A pass killed meanwhile resumes as after any append-then-kill: what
            // reached the destination after the last committed checkpoint is matched by identity.
            var pendingCommit = mark;
            try
            {
                await foreach (var unit in channel.Reader.ReadAllAsync(ct))
                {
                    using (unit)
                    {
                        await mark;
                        await destinationWork.Task;
                        var appended = await AppendUnitAsync(run, unit, mapping.Destination, ct);
                        if (unit.FlagFixes.Count > 0)
                        {
                            await ApplyFlagsAsync(run, dst, unit.FlagFixes, ct);
                        }

                        await pendingCommit;
                        pendingCommit = RecordUnit(unit, appended);
                    }
                }

                await pendingCommit;
            }
            finally
            {
                await stop.CancelAsync();
                try
                {
                    await pendingCommit;
                }
                catch (Exception) when (!pendingCommit.IsCompletedSuccessfully)
                {
                    // Already failing: the first error is the one reported.
                }

                try
                {
                    await producer;
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        // A batch the lane appended: recorded, then its bodies are given back.
        Task RecordUnit(CopyUnit unit, AppendOutcome appended)
        {
            using (unit)
            {
                return RecordBatch(BatchRecord.Of(unit), appended);
            }
        }

        // A batch appended (or matched): its pairs and the checkpoint after it go to the store. Called in the source's
        // order, once the commit before has completed; returns the commit (one in flight while the next batch is appended).
        Task RecordBatch(BatchRecord batch, AppendOutcome appended)
        {
            foreach (var pair in batch.Matched.Concat(appended.Pairs))
            {
                if (pairs is not null)
                {
                    pairs[pair.SourceUid] = pair;
                }

                maxAppended = pair.CopiedByUs ? Math.Max(maxAppended, pair.DestinationUid) : maxAppended;
            }

            foreach (var uid in batch.HandledUids)
            {
                retry.Remove(uid);
            }

            retry.UnionWith(appended.Failed);
            highest = Math.Max(highest, batch.HighestUid);
            // A checkpoint at 1 means "re-match the whole destination after an interruption" (identity
            // mode, or resuming one): it must stay so until the pass completes.
            if (valid && maxAppended > 0 && destinationUidNext > 1)
            {
                destinationUidNext = Math.Max(destinationUidNext, maxAppended + 1);
            }

            checkpoint = checkpoint with { HighestSyncedUid = highest, RetryUids = retry.ToList(), DestinationUidNext = destinationUidNext };
            var commit = _store.CommitAsync(_key, new FolderSyncCommit { Checkpoint = checkpoint, Added = [.. batch.Matched, .. appended.Pairs] }, ct);
            run.Skipped += batch.Matched.Count;
            var handled = batch.Matched.Count + batch.Copied;
            folderDone += handled;
            Interlocked.Add(ref _mailboxDone, handled);
            Report(SyncProgressStage.FolderProgress, run, folderDone + (staged?.Ahead ?? 0), sourceInfo.Count);
            return commit;
        }

        await mark;
        await destinationWork.Task;
        // Every message this pass handled was either copied by this run, failed, or already there. Deriving
        // "skipped" from that stays right when a reconnect retried the folder: a message appended (and
        // counted) just before the connection dropped is matched by identity on the retry, not copied again.
        run.Skipped = (int)Math.Max(0, folderDone - run.Transferred - run.Errors);

        var removed = pairs is not null ? await MirrorAsync(run, src, dst, pairs, ct) : [];
        checkpoint = checkpoint with
        {
            SourceUidNext = sourceInfo.UidNext,
            SourceMessageCount = sourceInfo.Count,
            HighestModSeq = modSeq,
            DestinationUidNext = Math.Max(Math.Max(destinationInfo.UidNext, maxAppended + 1), valid ? destinationUidNext : 1),
        };
        await _store.CommitAsync(_key, new FolderSyncCommit { Checkpoint = checkpoint, RemovedSourceUids = removed }, ct);
        // NOOP makes the selected destination folder report its EXISTS count, appends from other connections included.
        await Destination.Client.NoOpAsync(ct);
        run.DestinationMessages = dst.Count;
        if (Verify)
        {
            await VerifyFolderAsync(run, src, dst, checkpoint, inWindow, ct);
        }

        await DeleteStagingLeftAsync(ct);
        if (run.Transferred > 0 || run.FlagsUpdated > 0 || run.Deleted > 0)
        {
            run.DestinationChangedAt = _clock.Elapsed;
        }

        Report(SyncProgressStage.FolderCompleted, run, sourceInfo.Count, sourceInfo.Count,
            $"{mapping.Source} → {mapping.Destination}: {run.Transferred} copied, {run.Skipped} skipped, {run.FlagsUpdated} flag updates, {run.Deleted} deleted, {run.Errors} errors");
    }

    /// <summary>
    /// With a date window: the UIDs of the source folder whose INTERNALDATE is at or after
    /// <see cref="SyncRequest.NotBefore"/>; the rest is counted as out of window. <c>null</c> without a window.
    /// </summary>
    /// <remarks>
    /// SEARCH SINCE compares dates only, in each message's own time zone: it is asked one day early and the
    /// exact instant is then checked on the INTERNALDATE of what it found.
    /// </remarks>
    private async Task<HashSet<uint>?> WindowAsync(FolderRun run, IMailFolder src, int sourceCount, CancellationToken ct)
    {
        if (_request.NotBefore is not { } notBefore)
        {
            return null;
        }

        if (!src.IsOpen)
        {
            await OpenFolderAsync(src, FolderAccess.ReadOnly, ImapSide.Source, ct);
        }

        var since = await src.SearchAsync(SearchQuery.DeliveredAfter(notBefore.UtcDateTime.Date.AddDays(-1)), ct);
        var inWindow = new HashSet<uint>();
        foreach (var chunk in since.Chunk(IndexChunk))
        {
            foreach (var summary in await src.FetchAsync(chunk, MessageSummaryItems.UniqueId | MessageSummaryItems.InternalDate, ct))
            {
                if (summary.InternalDate is not { } date || date >= notBefore)
                {
                    inWindow.Add(summary.UniqueId.Id);
                }
            }
        }

        var counted = run.OutOfWindow;
        run.SourceMessages = inWindow.Count;
        run.OutOfWindow = Math.Max(0, sourceCount - inWindow.Count);
        // The mailbox total was taken from STATUS counts: what is out of window will not be handled (a
        // reconnect runs the folder again, so only the change is applied).
        Interlocked.Add(ref _mailboxTotal, counted - run.OutOfWindow);
        return inWindow;
    }

    private static async Task<List<UniqueId>> CandidatesAsync(IMailFolder src, bool valid, uint highest, uint uidNext, HashSet<uint> retry, CancellationToken ct)
    {
        if (!valid)
        {
            return (await src.SearchAsync(SearchQuery.All, ct)).OrderBy(u => u.Id).ToList();
        }

        var result = new List<UniqueId>();
        if (uidNext == 0 || highest + 1 < uidNext)
        {
            // "n:*" also returns the last message when n is above every UID, hence the filter.
            var found = await src.SearchAsync(SearchQuery.Uids(new UniqueIdRange(0, highest + 1, uint.MaxValue)), ct);
            result.AddRange(found.Where(u => u.Id > highest));
        }

        result.AddRange(retry.Select(u => new UniqueId(u)));
        return result.DistinctBy(u => u.Id).OrderBy(u => u.Id).ToList();
    }

    private static async Task<FolderInfo> StatusAsync(ImapConnection connection, IMailFolder folder, CancellationToken ct, bool withSize = true)
    {
        var items = StatusItemsFor(connection.Client, withSize);
        await folder.StatusAsync(items, ct);
        return ToInfo(folder);
    }

    /// <summary>The HIGHESTMODSEQ a checkpoint keeps for a source folder: none without CONDSTORE.</summary>
    private static ulong? ModSeqOf(ImapConnection source, FolderInfo info) =>
        source.Client.Capabilities.HasFlag(ImapCapabilities.CondStore) && info.HighestModSeq > 0 ? info.HighestModSeq : null;

    /// <summary>
    /// Whether the source folder is as the checkpoint's complete pass left it (same UIDVALIDITY, UIDNEXT, MESSAGES and
    /// HIGHESTMODSEQ, nothing left to retry): its pass has nothing to copy or set. The pass checks the destination too.
    /// </summary>
    private static bool SourceUnchanged(FolderCheckpoint cp, FolderInfo info, ulong? modSeq) =>
        cp.SourceUidValidity == info.UidValidity && cp.SourceUidNext != 0 && cp.SourceUidNext == info.UidNext
        && cp.SourceMessageCount == info.Count && cp.HighestModSeq == modSeq && cp.RetryUids.Count == 0;

    /// <summary>How long <see cref="OpenFolderAsync"/> waits before it asks again after a NO.</summary>
    private static readonly TimeSpan OpenAgainAfter = TimeSpan.FromMilliseconds(100);

    private async Task OpenReadWriteAsync(IMailFolder folder, CancellationToken ct)
    {
        if (!folder.IsOpen || folder.Access != FolderAccess.ReadWrite)
        {
            await OpenFolderAsync(folder, FolderAccess.ReadWrite, ImapSide.Destination, ct);
        }
    }

    /// <summary>
    /// SELECT or EXAMINE; when the server answers NO, once more after <see cref="OpenAgainAfter"/>, and a second NO fails
    /// the pass with a message naming the folder. Dovecot 2.3 creates a listed special-use folder (<c>auto = create</c>
    /// or <c>subscribe</c>) on its first SELECT; two connections of a new account doing that at once can leave one
    /// answered NO "Mailbox already exists" while the other one's process dies (fcntl EDEADLK). The folder is there a
    /// moment later. Seen in the bench (row 1), where it failed the whole mailbox.
    /// </summary>
    private async Task OpenFolderAsync(IMailFolder folder, FolderAccess access, ImapSide side, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await folder.OpenAsync(access, ct);
                return;
            }
            catch (ImapCommandException ex) when (ex.Response == ImapCommandResponse.No)
            {
                var where = side == ImapSide.Source ? "the source" : "the destination";
                if (attempt > 1)
                {
                    throw new ImapSyncException(
                        ImapFailure.Of(ImapFailureKind.Folder, side, ex.Message, "folder {0} could not be opened on {1}: {2}", folder.FullName, where, ex.ResponseText), ex);
                }

                Log(Microsoft.Extensions.Logging.LogLevel.Warning,
                    $"{where} answered {(access == FolderAccess.ReadWrite ? "SELECT" : "EXAMINE")} {folder.FullName} with NO ({ex.ResponseText}); trying once more");
                await Task.Delay(OpenAgainAfter, ct);
            }
        }
    }

    /// <summary>Gets a folder on a destination connection, creating it (and missing parents) first.</summary>
    private async Task<IMailFolder> GetOrCreateFolderAsync(ImapConnection connection, string fullName, CancellationToken ct)
    {
        if (connection.Folders.TryGetValue(fullName, out var cached))
        {
            return cached;
        }

        var client = connection.Client;
        var folder = await ExistsNowAsync(client, fullName, ct);
        if (folder is null)
        {
            var ns = client.PersonalNamespaces[0];
            var separator = ns.DirectorySeparator;
            var parent = await client.GetFolderAsync(ns.Path, ct);
            var parts = fullName.Split(separator);
            for (var i = 0; i < parts.Length; i++)
            {
                var path = string.Join(separator, parts[..(i + 1)]);
                // The folder itself was just looked for; only its parents may exist.
                var existing = i < parts.Length - 1 ? await ExistsNowAsync(client, path, ct) : null;
                parent = existing ?? await CreateFolderAsync(connection, parent, parts[i], path, ct);
            }

            folder = parent;
        }

        connection.Folders[fullName] = folder;
        return folder;
    }

    private async Task<IMailFolder> CreateFolderAsync(ImapConnection connection, IMailFolder parent, string name, string path, CancellationToken ct)
    {
        try
        {
            var folder = await parent.CreateAsync(name, true, ct) ?? throw new ImapProtocolException($"CREATE {path} returned no folder");
            await folder.SubscribeAsync(ct);
            Log(Microsoft.Extensions.Logging.LogLevel.Information, $"created folder {path} on the destination");
            return folder;
        }
        catch (ImapCommandException ex)
        {
            // Another lane may have created it (a shared parent) between our LIST and CREATE.
            return await ExistsNowAsync(connection.Client, path, ct)
                ?? throw new ImapSyncException(new ImapFailure(ImapFailureKind.Folder, ImapSide.Destination,
                    $"could not create folder {path} for {connection.Endpoint.User} on the destination: {ex.ResponseText}", ex.Message), ex);
        }
    }

    private static async Task<IMailFolder?> ExistsNowAsync(ImapClient client, string path, CancellationToken ct)
    {
        try
        {
            return await client.GetFolderAsync(path, ct);
        }
        catch (FolderNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Which synced messages' flags changed on the source (with CONDSTORE, only those), as the flags to set on their
    /// copies; the caller sets them on the destination (<see cref="ApplyFlagsAsync"/>).
    /// </summary>
    private async Task<List<FlagFix>> FlagFixesAsync(FolderRun run, IMailFolder src, FolderCheckpoint cp, ulong? modSeq, uint highest, CancellationToken ct)
    {
        var request = new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.Flags);
        if (modSeq is not null && cp.HighestModSeq is { } since)
        {
            request.ChangedSince = since;
        }

        // Without CONDSTORE every synced message's flags are read (flags only, never headers) and set.
        var changed = await src.FetchAsync(new UniqueIdRange(0, 1, highest), request, ct);
        if (changed.Count == 0)
        {
            return [];
        }

        // Only the pairs of what changed (with CONDSTORE, a few), not the whole folder's.
        var pairs = await _store.GetPairsAsync(_key, run.Mapping.Source, changed.Select(s => s.UniqueId.Id).ToList(), ct);
        var fixes = new List<FlagFix>();
        foreach (var summary in changed)
        {
            if (pairs.TryGetValue(summary.UniqueId.Id, out var pair) && pair.DestinationUid != 0)
            {
                fixes.Add(new FlagFix(pair.DestinationUid, CleanFlags(summary.Flags), summary.Keywords.ToHashSet(StringComparer.Ordinal)));
            }
        }

        return fixes;
    }

    /// <summary>
    /// Once the destination folder is selected (<paramref name="selecting"/>), asks for the first byte of its last
    /// message: a delta that may have flags to set does this while the source is still opening its folder. In a new
    /// session Dovecot finds a maildir file by the name its uidlist recorded, without the flags the file's name carries;
    /// when that name is not the file's, it re-reads the whole directory before it can go on (~1 s for 300,000 files,
    /// which a delta's STORE waited for, after the source had opened its folder; docs/performance.md, session 32).
    /// Elsewhere it is one small read.
    /// </summary>
    private static async Task LookUpMessageFilesAsync(Task selecting, IMailFolder dst, CancellationToken ct)
    {
        await selecting;
        if (dst.Count == 0)
        {
            return;
        }

        try
        {
            await using var first = await dst.GetStreamAsync(dst.Count - 1, 0, 1, ct);
        }
        catch (Exception ex) when (ex is ImapCommandException or MessageNotFoundException)
        {
            // Only a head start: the STORE finds its files itself.
        }
    }

    /// <summary>
    /// Work started on the lane's destination connection while the pass goes on with the source: <see cref="Task"/> is
    /// awaited before the destination is used again. Disposing waits for it whichever way the pass ends, so a failed
    /// pass never leaves a command running on a connection its retry reuses; its error is then the pass's second one,
    /// and the first is the one reported.
    /// </summary>
    private sealed class DestinationWork(Task task) : IAsyncDisposable
    {
        public Task Task { get; private set; } = task;

        /// <summary>Starts <paramref name="next"/> on the connection once the work before it is done.</summary>
        public void Then(Func<Task> next)
        {
            var before = Task;
            Task = AfterAsync();

            async Task AfterAsync()
            {
                await before;
                await next();
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Task;
            }
            catch (Exception)
            {
                // Awaited by the pass when it succeeds (its error surfaces there); here the pass has failed already.
            }
        }
    }

    private static MessageFlags CleanFlags(MessageFlags? flags) => (flags ?? MessageFlags.None) & ~MessageFlags.Recent;

    private async Task ApplyFlagsAsync(FolderRun run, IMailFolder dst, IReadOnlyList<FlagFix> fixes, CancellationToken ct)
    {
        if (fixes.Count == 0)
        {
            return;
        }

        await OpenReadWriteAsync(dst, ct);
        foreach (var group in fixes.GroupBy(f => f.GroupKey))
        {
            var first = group.First();
            var uids = group.Select(f => new UniqueId(f.DestinationUid)).ToList();
            await dst.StoreAsync(uids, new StoreFlagsRequest(StoreAction.Set, first.Flags, first.Keywords) { Silent = true }, ct);
        }

        run.FlagsUpdated += fixes.Count;
    }

    private async Task<List<uint>> MirrorAsync(FolderRun run, IMailFolder src, IMailFolder dst, Dictionary<uint, UidPair> pairs, CancellationToken ct)
    {
        var present = (await src.SearchAsync(SearchQuery.All, ct)).Select(u => u.Id).ToHashSet();
        var gone = pairs.Values.Where(p => !present.Contains(p.SourceUid)).ToList();
        // Only what this engine copied is deleted: messages that were already on the destination stay.
        var toDelete = gone.Where(p => p.CopiedByUs && p.DestinationUid != 0).Select(p => new UniqueId(p.DestinationUid)).ToList();
        if (toDelete.Count > 0)
        {
            await OpenReadWriteAsync(dst, ct);
            await dst.AddFlagsAsync(toDelete, MessageFlags.Deleted, true, ct);
            if (Destination.Client.Capabilities.HasFlag(ImapCapabilities.UidPlus))
            {
                await dst.ExpungeAsync(toDelete, ct);
            }
            else
            {
                Log(Microsoft.Extensions.Logging.LogLevel.Warning, $"{run.Mapping.Destination}: the destination has no UIDPLUS, {toDelete.Count} messages were flagged \\Deleted but not expunged");
            }

            run.Deleted += toDelete.Count;
        }

        foreach (var pair in gone)
        {
            pairs.Remove(pair.SourceUid);
        }

        return gone.Select(p => p.SourceUid).ToList();
    }

    private readonly record struct FlagFix(uint DestinationUid, MessageFlags Flags, HashSet<string> Keywords)
    {
        public string GroupKey => $"{(int)Flags}|{string.Join(' ', Keywords.Order(StringComparer.Ordinal))}";
    }
}
