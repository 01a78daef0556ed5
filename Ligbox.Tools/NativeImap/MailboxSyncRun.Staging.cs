using System.Threading.Channels;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.Logging;

namespace Ligbox.Tools.NativeImap;

/// <summary>
/// Staged copies (<see cref="NativeImapOptions.StagedAppendMinMessages"/>): a big folder's messages are cut into runs of
/// consecutive UIDs; staging lanes (a destination connection each) copy one run at a time into a staging folder of their
/// own, then move the whole run into the folder with IMAP MOVE, the runs one after the other in the source's order. The
/// folder's own source connection reads for every staging lane, one FETCH at a time: the source serves one connection
/// many times faster than the destination appends, and a server process that has a folder of hundreds of thousands of
/// messages open costs the server memory (Dovecot re-reads a maildir's whole uidlist whenever another process changed
/// it, for instance by recording a message's size, and four processes doing that to each other grew past Dovecot's
/// 256 MB per process). A server commits one folder's appends one at a time (Dovecot: one process writing and fsyncing each
/// message file; a second connection into the folder only waits on the first), while a MOVE between two folders of one
/// account links the files; but it opens the big folder for every MOVE (on a maildir of 200,000 files, ~1.5 s), so a
/// run is thousands of messages. The runs' batches carry the folder's UIDs (COPYUID) and are recorded by the pass in
/// order, as its own batches are.
/// </summary>
internal sealed partial class MailboxSyncRun
{
    private int _stagingSequence;
    // Staging folders a failed staged copy could not delete (their connection was dropped): deleted once the folder's
    // pass has been copied again (DeleteStagingLeftAsync), or by the mailbox's next run.
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _stagingLeft = new();
    // Off when a source folder is mapped to a name that looks like a staging folder's: that folder is the customer's.
    private bool _stagingAllowed = true;

    /// <summary>
    /// A name the engine gives its staging folders: the prefix and a number, at the top of the destination's personal
    /// namespace (a nested folder, or one with a longer name, is the customer's).
    /// </summary>
    private bool IsStagingFolder(string fullName)
    {
        var ns = Destination.Client.PersonalNamespaces.FirstOrDefault();
        var root = ns is null ? "" : ns.Path.TrimEnd(ns.DirectorySeparator);
        var name = root.Length == 0 ? fullName
            : fullName.StartsWith(root + ns!.DirectorySeparator, StringComparison.Ordinal) ? fullName[(root.Length + 1)..]
            : null;
        return name is not null && name.StartsWith(NativeImapOptions.StagingFolderPrefix, StringComparison.Ordinal)
            && name.Length > NativeImapOptions.StagingFolderPrefix.Length && name[NativeImapOptions.StagingFolderPrefix.Length..].All(char.IsAsciiDigit);
    }

    /// <summary>
    /// Deletes the staging folders a killed run left on the destination (none mapped from the source): their messages
    /// were never recorded, and the folders they were meant for are copied again by this run.
    /// </summary>
    private async Task DeleteLeftoverStagingAsync(IEnumerable<FolderInfo> destinationFolders, IReadOnlySet<string> mapped, CancellationToken ct)
    {
        foreach (var folder in destinationFolders.Where(f => IsStagingFolder(f.FullName) && !mapped.Contains(f.FullName)))
        {
            try
            {
                var left = await Destination.Client.GetFolderAsync(folder.FullName, ct);
                await left.DeleteAsync(ct);
                Log(LogLevel.Information, $"deleted the staging folder {folder.FullName} that an interrupted run left on the destination (its messages were never recorded: this run copies them again)");
            }
            catch (Exception ex) when (ex is ImapCommandException or FolderNotFoundException)
            {
                Log(LogLevel.Warning, $"the staging folder {folder.FullName} an interrupted run left on the destination could not be deleted: {ex.Message}");
            }
        }
    }

    /// <summary>
    /// Deletes the staging folders of this run that a failed staged copy left (the folder has been copied since, on
    /// the lane's connection): their messages were never recorded.
    /// </summary>
    private async Task DeleteStagingLeftAsync(CancellationToken ct)
    {
        // Called as every folder completes: nothing to do (nor to allocate) unless a staged copy failed.
        if (_stagingLeft.IsEmpty)
        {
            return;
        }

        var left = new HashSet<string>(StringComparer.Ordinal);
        while (_stagingLeft.TryDequeue(out var name))
        {
            left.Add(name);
        }

        foreach (var name in left)
        {
            try
            {
                if (await ExistsNowAsync(Destination.Client, name, ct) is { } folder)
                {
                    await folder.DeleteAsync(ct);
                }
            }
            catch (ImapCommandException ex)
            {
                Log(LogLevel.Warning, $"the staging folder {name} could not be deleted ({ex.ResponseText}); the mailbox's next run deletes it");
            }
        }
    }

    /// <summary>Whether a folder pass with this many messages to copy may be staged (it still needs a free lane).</summary>
    private bool MayStage(int candidates)
    {
        var capabilities = Destination.Client.Capabilities;
        return _stagingAllowed && _options.StagedAppendMinMessages > 0 && candidates >= _options.StagedAppendMinMessages
            && capabilities.HasFlag(ImapCapabilities.Move) && capabilities.HasFlag(ImapCapabilities.UidPlus);
    }

    /// <summary>
    /// Opens a folder pass's staging lanes when the folder has enough to copy, the destination can MOVE with UIDPLUS, and
    /// the mailbox's connection budget has one more lane or more free now: the folder's own lane is the first staging lane
    /// (its source folder is examined already), the others open as extra lanes do. <c>null</c> otherwise (the lane copies
    /// the folder itself). <c>progress</c> reports the folder's progress with the messages the lanes have appended that
    /// the pass has not recorded yet (given), as each unit is appended.
    /// </summary>
    private async Task<StagedCopy?> OpenStagingAsync(FolderRun run, IMailFolder src, IMailFolder dst, List<UniqueId> candidates, Action<long> progress, CancellationToken ct)
    {
        if (!MayStage(candidates.Count))
        {
            return null;
        }

        int lanes;
        lock (_lanesLock)
        {
            lanes = _lanes.Count;
        }

        // The mailbox's lanes and this folder's extra staging lanes stay within AppendConnectionsPerMailbox.
        var extra = _options.AppendConnectionsPerMailbox - lanes;
        if (extra < 1)
        {
            return null;
        }

        var opening = Enumerable.Range(0, extra).Select(_ => OpenStagerAsync(run, ct)).ToList();
        await ((Task)Task.WhenAll(opening)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var stagers = opening.Where(t => t.IsCompletedSuccessfully && t.Result is not null).Select(t => t.Result!).ToList();
        IMailFolder? own = null;
        try
        {
            own = stagers.Count > 0 ? await StagingFolderAsync(Destination, run, ct) : null;
        }
        catch
        {
            // The lane's connection failed (its pass reconnects): the extra lanes' connections and slots go back.
            foreach (var stager in stagers)
            {
                await stager.CloseAsync(this);
            }

            throw;
        }

        if (own is null)
        {
            // Alone, the lane would only add a MOVE to every run.
            foreach (var stager in stagers)
            {
                await stager.CloseAsync(this);
            }

            ct.ThrowIfCancellationRequested();
            return null;
        }

        stagers.Insert(0, new Stager(Destination, own, dst, Borrowed: true));
        var runLength = StagedRunLength(candidates.Count, stagers.Count, _options.StagedAppendMinMessages);
        Log(LogLevel.Information, $"{run.Mapping.Source}: {candidates.Count} messages to copy: {stagers.Count} staging lanes, runs of {runLength} moved into {run.Mapping.Destination}");
        // The runs are ranges of the candidates (no copies: at 300,000 messages a copy was 2.4 MB more held by the pass).
        var runs = Enumerable.Range(0, (candidates.Count + runLength - 1) / runLength)
            .Select(i => new UidRange(candidates, i * runLength, Math.Min(runLength, candidates.Count - (i * runLength)))).ToList();
        return new StagedCopy(this, run, Source, (ImapFolder)src, stagers, runs, progress);
    }

    /// <summary>Consecutive candidates of a staged folder, read in place.</summary>
    private sealed class UidRange(List<UniqueId> all, int start, int count) : IReadOnlyList<UniqueId>
    {
        public int Count => count;

        public UniqueId this[int index] => (uint)index < (uint)count ? all[start + index] : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<UniqueId> GetEnumerator()
        {
            for (var i = 0; i < count; i++)
            {
                yield return all[start + i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private const int StagedRunMax = 20_000;

    /// <summary>
    /// The length of a staged folder's runs: big enough that a MOVE's cost of opening the folder is spread over thousands
    /// of messages (at least half the threshold, at most <see cref="StagedRunMax"/> or half the threshold), with two runs
    /// or more for every staging lane, and as many runs for each lane (the lanes take the next run as they finish one,
    /// so 30 runs over four lanes left the last two lanes idle for the length of a run at the end; 32 runs of 9,375 do
    /// not). Each MOVE re-opens the big folder (its index and uidlist, changed by the last MOVE's process): at 300,000
    /// messages 16 runs of 18,750 copied 13-15 % faster than 32 of 9,375 in alternating runs; 8 of 37,500 were no faster
    /// than 16 and leave the last four MOVEs (7 s each there) for the end (docs/performance.md, session 31).
    /// </summary>
    internal static int StagedRunLength(int candidates, int lanes, int threshold)
    {
        var min = Math.Max(1, threshold / 2);
        var max = Math.Max(StagedRunMax, min);
        var perLane = Math.Max(2, (int)Math.Ceiling(candidates / ((double)lanes * max)));
        return Math.Clamp((int)Math.Ceiling(candidates / ((double)lanes * perLane)), min, max);
    }

    /// <summary>An extra staging lane: a destination connection, its staging folder selected; <c>null</c> when no slot is free or it fails.</summary>
    private async Task<Stager?> OpenStagerAsync(FolderRun run, CancellationToken ct)
    {
        ImapConnection? destination = null;
        try
        {
            destination = await _connector.TryOpenAsync(_request.Destination, ImapSide.Destination, ct);
            if (destination is null)
            {
                return null;
            }

            var target = await GetOrCreateFolderAsync(destination, run.Mapping.Destination, ct);
            if (await StagingFolderAsync(destination, run, ct) is not { } staging)
            {
                throw new ImapProtocolException("no staging folder");
            }

            return new Stager(destination, staging, target, Borrowed: false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // An optimisation: the lanes that did open copy the folder.
            Log(LogLevel.Debug, $"{run.Mapping.Source}: staging lane not opened: {ex.Message}");
            destination?.Dispose();
            return null;
        }
        catch
        {
            destination?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new, empty, unsubscribed staging folder at the top of the personal namespace, selected on
    /// <paramref name="connection"/>; <c>null</c> when the server refuses it (the folder is then copied without staging).
    /// </summary>
    private async Task<IMailFolder?> StagingFolderAsync(ImapConnection connection, FolderRun run, CancellationToken ct)
    {
        var client = connection.Client;
        var name = NativeImapOptions.StagingFolderPrefix + Interlocked.Increment(ref _stagingSequence).ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            var root = await client.GetFolderAsync(client.PersonalNamespaces[0].Path, ct);
            var fullName = string.IsNullOrEmpty(root.FullName) ? name : root.FullName + root.DirectorySeparator + name;
            if (await ExistsNowAsync(client, fullName, ct) is { } left)
            {
                // Left by an earlier run of this mailbox: never recorded, so dropped.
                await left.DeleteAsync(ct);
            }

            var staging = await root.CreateAsync(name, true, ct) ?? throw new ImapProtocolException($"CREATE {fullName} returned no folder");
            await staging.OpenAsync(FolderAccess.ReadWrite, ct);
            return staging;
        }
        catch (ImapCommandException ex)
        {
            Log(LogLevel.Debug, $"{run.Mapping.Source}: staging folder {name} not made: {ex.Message}");
            return null;
        }
    }

    /// <summary>A staging lane; <c>Borrowed</c>: the folder's own lane, whose connection stays open.</summary>
    private sealed record Stager(ImapConnection Destination, IMailFolder Staging, IMailFolder Target, bool Borrowed)
    {
        /// <summary>Deletes the staging folder (with what a failed run left in it: never recorded) and closes the connections it opened.</summary>
        public async Task CloseAsync(MailboxSyncRun owner)
        {
            try
            {
                if (Destination.Client.IsConnected)
                {
                    using var timeout = new CancellationTokenSource(owner._options.Timeout);
                    await Staging.CloseAsync(false, timeout.Token);
                    await Staging.DeleteAsync(timeout.Token);
                }
                else
                {
                    // A lane stopped mid-command has lost its connection (MailKit drops it): the pass deletes its folder.
                    owner._stagingLeft.Enqueue(Staging.FullName);
                }
            }
            catch (Exception ex)
            {
                owner._stagingLeft.Enqueue(Staging.FullName);
                owner.Log(LogLevel.Debug, $"staging folder {Staging.FullName} not deleted: {ex.Message}");
            }
            finally
            {
                if (!Borrowed)
                {
                    Destination.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// A folder pass's staging lanes and its runs; the runs' batches come out in the source's order. <c>source</c>: the
    /// folder on the pass's own source connection (<c>reader</c>), which reads every lane's runs, one command at a time.
    /// </summary>
    private sealed class StagedCopy(
        MailboxSyncRun owner, FolderRun run, ImapConnection reader, ImapFolder source, List<Stager> stagers, List<UidRange> runs, Action<long> progress)
        : IAsyncDisposable
    {
        // The lanes' reports and the pass's records change the folder's figure under one lock, so it only grows.
        private readonly Lock _progress = new();
        private long _ahead;

        /// <summary>
        /// Messages the lanes have copied (appended into staging, or failed) that the pass has not recorded yet; read by
        /// the pass's record, under the lock (<see cref="Recording"/>).
        /// </summary>
        public long Ahead => _ahead;

        /// <summary>
        /// The pass records a batch of a run (<paramref name="record"/>, which counts it as done and reports): its messages
        /// are no longer ahead of what the pass recorded.
        /// </summary>
        public Task Recording(BatchRecord batch, Func<Task> record)
        {
            lock (_progress)
            {
                MoveAhead(-batch.Copied);
                return record();
            }
        }

        // A lane has appended a unit into its staging folder: the folder's progress moves now, not when the run is moved in.
        private void Appended(BatchRecord batch)
        {
            lock (_progress)
            {
                MoveAhead(batch.Copied);
                progress(_ahead);
            }
        }

        // Under the lock: this copy's count and the mailbox's (which other staged folders may change too) move together.
        private void MoveAhead(long delta)
        {
            _ahead += delta;
            Interlocked.Add(ref owner._stagedAhead, delta);
        }

        private readonly SemaphoreSlim _reading = new(1, 1);
        private readonly TaskCompletionSource<List<(BatchRecord Batch, AppendOutcome Appended)>>[] _done =
            [.. runs.Select(_ => new TaskCompletionSource<List<(BatchRecord, AppendOutcome)>>(TaskCreationOptions.RunContinuationsAsynchronously))];
        private readonly CancellationTokenSource _stop = new();
        private Task[] _lanes = [];
        private Exception? _failure;
        private int _next = -1;

        /// <summary>
        /// Copies every run and yields its batches, run after run, once the run is in the folder. The first failure of
        /// any staging lane ends it (and the runs after it are not moved).
        /// </summary>
        public async IAsyncEnumerable<(BatchRecord Batch, AppendOutcome Appended)> CopyAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            using var link = ct.Register(_stop.Cancel);
            _lanes = [.. stagers.Select(s => Task.Run(() => LaneAsync(s, _stop.Token), CancellationToken.None))];
            for (var i = 0; i < _done.Length; i++)
            {
                List<(BatchRecord Batch, AppendOutcome Appended)> batches;
                try
                {
                    batches = await _done[i].Task;
                }
                catch (OperationCanceledException) when (_failure is not null && !ct.IsCancellationRequested)
                {
                    // Stopped because another staging lane failed: that failure is the pass's.
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
                    throw;
                }

                _done[i] = Taken;
                foreach (var batch in batches)
                {
                    yield return batch;
                }
            }
        }

        private static readonly TaskCompletionSource<List<(BatchRecord, AppendOutcome)>> Taken = new();

        private async Task LaneAsync(Stager stager, CancellationToken ct)
        {
            for (var i = Interlocked.Increment(ref _next); i < runs.Count; i = Interlocked.Increment(ref _next))
            {
                // What the pass records of the run's batches, kept until the run is in the folder (then its staging UIDs
                // are replaced by the folder's, in place): it lives as long as the run, so it is allocated once, not copied.
                var batches = new List<(BatchRecord Batch, AppendOutcome Appended)>();
                try
                {
                    // The run's batches as the lane reads a folder (no identity to match: the folder had nothing to match),
                    // appended into the staging folder; their bodies are given back as soon as they are appended.
                    var channel = Channel.CreateBounded<CopyUnit>(1);
                    var reading = owner.ProduceUnitsAsync(source, runs[i], null, [], channel.Writer, ct, shared: _reading);
                    await foreach (var unit in channel.Reader.ReadAllAsync(ct))
                    {
                        using (unit)
                        {
                            var staged = new List<UidPair>(unit.ToCopy.Count);
                            var failed = new List<uint>();
                            var multi = stager.Destination.Client.Capabilities.HasFlag(ImapCapabilities.MultiAppend) ? owner._options.MultiAppendSize : 1;
                            foreach (var group in unit.ToCopy.Where(m => m.Bytes.HasValue || m.File is not null).Chunk(multi))
                            {
                                await owner.AppendGroupAsync(run, stager.Destination, stager.Staging, group, staged, failed, ct);
                            }

                            var record = BatchRecord.Of(unit);
                            batches.Add((record, new AppendOutcome(staged, failed)));
                            Appended(record);
                        }
                    }

                    await reading;
                    // In the source's order: after the run before it.
                    if (i > 0)
                    {
                        await WhenMovedAsync(i - 1, ct);
                    }

                    await MoveAsync(stager, batches, ct);
                    _done[i].TrySetResult(batches);
                }
                catch (Exception ex)
                {
                    var failure = ex is OperationCanceledException ? ex : Sided(stager, ex);
                    if (failure is not OperationCanceledException)
                    {
                        Interlocked.CompareExchange(ref _failure, failure, null);
                    }

                    // This run and every run after it fail: none of them may reach the folder before this one.
                    for (var j = i; j < runs.Count; j++)
                    {
                        _ = _done[j].TrySetException(failure);
                    }

                    await _stop.CancelAsync();
                    return;
                }
            }
        }

        /// <summary>
        /// A dropped connection of a staging lane, said of the side that dropped it: the folder's lane would guess from
        /// its own connections, which are not the ones that failed.
        /// </summary>
        private Exception Sided(Stager stager, Exception ex)
        {
            if (ex is ImapSyncException || !ImapErrorClassifier.IsTransient(ex))
            {
                return ex;
            }

            var side = !reader.Client.IsConnected ? ImapSide.Source : !stager.Destination.Client.IsConnected ? ImapSide.Destination : (ImapSide?)null;
            return side is { } dropped
                ? new ImapSyncException(ImapErrorClassifier.Classify(ex, dropped == ImapSide.Source ? reader.Endpoint : stager.Destination.Endpoint, dropped) with { Kind = ImapFailureKind.ConnectionLost }, ex)
                : ex;
        }

        // The run's batches are set once it is in the folder; a taken run was moved before the runs after it were waited for.
        private async Task WhenMovedAsync(int i, CancellationToken ct)
        {
            var done = _done[i];
            if (!ReferenceEquals(done, Taken))
            {
                await done.Task.WaitAsync(ct);
            }
        }

        /// <summary>
        /// Moves a run from its staging folder into the folder and gives each of its pairs the folder's UID (COPYUID; 0
        /// when not given) in place of the staging folder's.
        /// </summary>
        private static async Task MoveAsync(Stager stager, List<(BatchRecord Batch, AppendOutcome Appended)> batches, CancellationToken ct)
        {
            // The staging UIDs as ranges (a lane appends in order, so a run is one or a few), not a list of every UID.
            var uids = new UniqueIdSet(MailKit.Search.SortOrder.Ascending);
            foreach (var (_, appended) in batches)
            {
                foreach (var pair in appended.Pairs)
                {
                    if (pair.DestinationUid != 0)
                    {
                        uids.Add(new UniqueId(stager.Staging.UidValidity, pair.DestinationUid));
                    }
                }
            }

            if (uids.Count == 0)
            {
                return;
            }

            var map = await stager.Staging.MoveToAsync(uids, stager.Target, ct);
            // Both in ascending staging UIDs (the lane appended in order; COPYUID names the moved UIDs in order), so they
            // are walked together rather than through a dictionary of the run (up to 20,000 entries: a large object each run).
            var n = Math.Min(map.Source.Count, map.Destination.Count);
            var j = 0;
            foreach (var (_, appended) in batches)
            {
                var pairs = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(appended.Pairs);
                for (var k = 0; k < pairs.Length; k++)
                {
                    var staging = pairs[k].DestinationUid;
                    while (j < n && map.Source[j].Id < staging)
                    {
                        j++;
                    }

                    pairs[k] = pairs[k] with { DestinationUid = staging != 0 && j < n && map.Source[j].Id == staging ? map.Destination[j].Id : 0 };
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_lanes).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            // Runs appended but never recorded (a failure, a stop) are not done: the folder's retry copies them again.
            lock (_progress)
            {
                MoveAhead(-_ahead);
            }
            foreach (var stager in stagers)
            {
                await stager.CloseAsync(owner);
            }

            _stop.Dispose();
            _reading.Dispose();
        }
    }
}
