using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Ligbox.Tools.Statistics;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.Logging;

namespace Ligbox.Tools.NativeImap;

/// <summary>One pass of one mailbox: its connections, its figures, and the folder loop with reconnects.</summary>
internal sealed partial class MailboxSyncRun : IDisposable
{
    private readonly NativeImapOptions _options;
    private readonly ImapConnector _connector;
    private readonly SyncRequest _request;
    private readonly ISyncStateStore _store;
    private readonly IProgress<SyncProgressEvent>? _progress;
    private readonly ILogger _logger;
    private readonly string _key;
    private readonly Throttle _throttle;
    // The APPEND's messages, reused: each lane appends one group (at most MultiAppendSize) at a time.
    private readonly RawMessage.Pool _rawMessages;
    // The small messages' bodies between FETCH and APPEND, in slabs reused from batch to batch.
    private readonly BodySlabs _bodies;
    private readonly Stopwatch _clock = new();
    private readonly List<FolderRun> _folders = [];
    private readonly List<MissingMessage> _missing = [];
    // Lanes: each is one source and one destination connection working on one folder at a time. Lane 0 is opened
    // at the start; the others the first time a folder has something to copy (a no-change delta never pays for
    // them). Folder code reaches its lane's connections through Source/Destination, which read _lane (set by each
    // lane's task, so it flows into everything that lane awaits).
    private readonly List<Lane> _lanes = [];
    private readonly AsyncLocal<Lane?> _lane = new();
    private readonly Lock _lanesLock = new();
    private readonly List<Task> _laneTasks = [];
    private FolderQueue? _work;
    private CancellationTokenSource? _stopLanes;
    private int _moreLanesRequested;
    // Set once lane 0 has created the destination folders that were missing; the other lanes start copying after it.
    private readonly TaskCompletionSource _foldersReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ExceptionDispatchInfo? _laneFailure;
    // A delta's first changed folder, opened on lane 0's source while the destination lists its folders: the task
    // completes once it is chosen.
    private (Lane Lane, Task<OpenedAhead?> Choosing)? _openedAhead;
    private long _mailboxTotal;
    private long _mailboxDone;
    // Messages staging lanes have appended that their folder's pass has not recorded yet (they reach the folder with
    // their run's MOVE): shown as done, so a staged folder's progress moves as it is copied, not once per run.
    private long _stagedAhead;
    private long _bytes;
    private long _transferred;
    private int _errors;
    private int _missingCount;
    private ImapFailureKind _lastErrorKind = ImapFailureKind.TooManyErrors;

    public MailboxSyncRun(
        NativeImapOptions options, ImapConnector connector, SyncRequest request, ISyncStateStore store,
        IProgress<SyncProgressEvent>? progress, ILogger logger)
    {
        _options = options;
        _connector = connector;
        _request = request;
        _store = store;
        _progress = progress;
        _logger = logger;
        _key = request.EffectiveMailboxKey;
        _rawMessages = new RawMessage.Pool(options.AppendConnectionsPerMailbox * options.MultiAppendSize);
        _bodies = BodySlabs.ForMailbox(options);
        _throttle = new Throttle(request.MaxMessagesPerSecond ?? options.MaxMessagesPerSecond, request.MaxBytesPerSecond ?? options.MaxBytesPerSecond);
    }

    private bool Mirror => _request.Kind == SyncKind.Final && _request.Mirror;

    private bool Verify => _request.Kind == SyncKind.Final || _request.Verify;

    // An initial pass lists the source without its sizes and reads them once it has copied (SourceSizesAsync).
    private bool SourceSizesAfterPass => _request.Kind == SyncKind.Initial;

    private Lane CurrentLane => _lane.Value ?? (_lanes.Count > 0 ? _lanes[0] : throw new InvalidOperationException("not connected"));

    /// <summary>The current lane's source connection.</summary>
    private ImapConnection Source => CurrentLane.Source ?? throw new InvalidOperationException("not connected");

    /// <summary>The current lane's destination connection: folder management, appends, flags and mirror.</summary>
    private ImapConnection Destination => CurrentLane.Destination ?? throw new InvalidOperationException("not connected");

    public async Task<SyncStatistics> RunAsync(CancellationToken cancellationToken)
    {
        _clock.Start();
        try
        {
            var first = new Lane();
            _lanes.Add(first);
            _lane.Value = first;
            await ConnectAsync(first, cancellationToken);
            // Both sides at once (two connections): on a big folder each server may re-read its directory to answer.
            // The destination's counters only check checkpoints, which an initial pass does not have (or, resumed, has
            // for a few folders, which ask for theirs): without them the destination does not open every folder it
            // has to answer (on a new account Dovecot creates each one's index then).
            // An initial pass lists the source without its sizes: a server without them cached reads every message to
            // answer (Dovecot on a maildir it did not write: 9-12 s for 300,000 messages before the first FETCH), and the
            // pass needs none of them; they are asked for once it has copied (SourceSizesAsync), when reading the messages
            // has cached them.
            var sourceList = ListFoldersAsync(Source, cancellationToken, withSize: !SourceSizesAfterPass);
            var destinationList = ListFoldersAsync(Destination, cancellationToken, withSize: false, withStatus: _request.Kind != SyncKind.Initial);
            // A delta's first changed folder is opened on the source as soon as the source has answered, while the
            // destination may still be counting its folders (OpenAhead).
            if (_request.Kind != SyncKind.Initial)
            {
                _openedAhead = (first, OpenAheadAsync(first, sourceList, cancellationToken));
            }

            await Task.WhenAll(sourceList, destinationList);
            var sourceFolders = await sourceList;
            var destinationFolders = await destinationList;
            var mapper = new FolderMapper(_request.Mapping);
            var mappings = mapper.Map(
                sourceFolders.Values.Where(f => f.Selectable).Select(f => new SourceFolder(f.FullName, f.Separator, f.Role)),
                destinationFolders.Values.Select(f => new DestinationFolder(f.FullName, f.Role)),
                Destination.Client.PersonalNamespaces.FirstOrDefault()?.DirectorySeparator ?? '/');
            if (_options.StagedAppendMinMessages > 0)
            {
                // Only where staging is on: with it off, a folder of that name is the customer's.
                var mappedDestinations = mappings.Select(m => m.Destination).ToHashSet(StringComparer.Ordinal);
                _stagingAllowed = !mappedDestinations.Any(IsStagingFolder);
                await DeleteLeftoverStagingAsync(destinationFolders.Values, mappedDestinations, cancellationToken);
            }

            _mailboxTotal = mappings.Sum(m => (long)sourceFolders[m.Source].Count);
            Report(SyncProgressStage.MailboxStarted, null, 0, 0,
                $"{_request.Source} → {_request.Destination}: {_request.Kind} pass over {mappings.Count} folders, {_mailboxTotal} messages");

            var work = new List<(FolderRun Run, FolderInfo Source, FolderInfo? Destination)>(mappings.Count);
            foreach (var mapping in mappings)
            {
                var run = new FolderRun(mapping);
                _folders.Add(run);
                destinationFolders.TryGetValue(mapping.Destination, out var destinationInfo);
                work.Add((run, sourceFolders[mapping.Source], destinationInfo));
            }

            _work = new(BiggestFirst(work, w => w.Source).ToList());

            var missingFolders = mappings.Select(m => m.Destination).Where(d => !destinationFolders.ContainsKey(d)).Distinct(StringComparer.Ordinal).ToList();
            await RunLanesAsync(first, missingFolders, cancellationToken);
            if (SourceSizesAfterPass)
            {
                var sized = await SourceSizesAsync(cancellationToken);
                await SettleAsync(sized, cancellationToken);
            }

            if (_openedAhead is { } unused && await unused.Choosing is { } notTaken)
            {
                // No folder pass took it (its folder was not mapped and no other was taken): it never throws.
                await notTaken.Examine;
            }

            var statistics = BuildStatistics();
            Report(SyncProgressStage.MailboxCompleted, null, 0, 0,
                $"{_request.Source} → {_request.Destination}: {statistics.MessagesTransferred} copied, {statistics.MessagesSkipped} skipped, "
                + $"{statistics.Errors} errors, {statistics.BytesTransferred / 1048576.0:0.0} MB in {statistics.Duration.TotalSeconds:0.0} s"
                + (statistics.MissingOnDestination is { } missing ? $", {missing} missing on the destination" : ""));
            return statistics;
        }
        finally
        {
            Dispose();
        }
    }

    public void Dispose()
    {
        lock (_lanesLock)
        {
            foreach (var lane in _lanes)
            {
                lane.Dispose();
            }

            _lanes.Clear();
        }
    }

    /// <summary>
    /// Runs the folder queue on lane 0 and, once a folder has something to copy, on up to
    /// <see cref="NativeImapOptions.AppendConnectionsPerMailbox"/> lanes. The first failure of any lane stops the others
    /// and is the run's failure.
    /// </summary>
    private async Task RunLanesAsync(Lane first, IReadOnlyList<string> missingFolders, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _stopLanes = stop;
        lock (_lanesLock)
        {
            _laneTasks.Add(FirstLaneAsync(first, missingFolders, stop.Token));
        }

        // An initial pass copies every folder: the other lanes open at once instead of after lane 0's first batch.
        if (_request.Kind == SyncKind.Initial && _work!.Count > 1)
        {
            RequestMoreLanes();
        }

        while (true)
        {
            Task[] running;
            lock (_lanesLock)
            {
                running = [.. _laneTasks];
            }

            // Lane loops record their failure instead of throwing; suppressing keeps it that way for a lane whose
            // start was cancelled.
            await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            lock (_lanesLock)
            {
                if (_laneTasks.Count == running.Length)
                {
                    break;
                }
            }
        }

        _laneFailure?.Throw();
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Lane 0: creates the destination folders that are missing, one after the other, then takes folders like the
    /// other lanes, which wait for it (they log in meanwhile). Created while the lanes append, each CREATE and
    /// SUBSCRIBE changed the account's folder list under the lock that every APPEND of that account takes to update it:
    /// on Dovecot the four lanes' APPENDs of a 25-folder initial pass took a quarter to a half longer
    /// (docs/performance.md, session 15).
    /// </summary>
    private async Task FirstLaneAsync(Lane lane, IReadOnlyList<string> missingFolders, CancellationToken ct)
    {
        _lane.Value = lane;
        // Its folder is taken first, so the other lanes are counted against the folders left for them.
        var first = TakeFolder();
        foreach (var name in missingFolders)
        {
            try
            {
                await GetOrCreateFolderAsync(Destination, name, ct);
            }
            catch (Exception ex)
            {
                // Only ahead of time: the folder's own pass creates it again and reports what went wrong there,
                // with its reconnects. A connection that dropped is reconnected by the first folder's pass.
                if (ct.IsCancellationRequested)
                {
                    break;
                }

                Log(LogLevel.Debug, $"folder {name} not created ahead of the pass: {ex.Message}");
                if (Destination.Client is { IsConnected: false })
                {
                    break;
                }
            }
        }

        _foldersReady.TrySetResult();
        await LaneLoopAsync(lane, ct, first);
    }

    private (FolderRun Run, FolderInfo Source, FolderInfo? Destination)? TakeFolder() => _work!.TryTake(existingOnly: false);

    /// <summary>
    /// The next folder for a lane. While lane 0 creates the missing destination folders, the other lanes copy the
    /// folders that exist on the destination already (INBOX and the special folders of a new account, typically); with
    /// none left, they wait for the folders to be created.
    /// </summary>
    private async Task<(FolderRun Run, FolderInfo Source, FolderInfo? Destination)?> NextFolderAsync(CancellationToken ct)
    {
        var item = TakeFolderNow(out var ready);
        if (item is null && !ready)
        {
            await _foldersReady.Task.WaitAsync(ct);
            item = TakeFolder();
        }

        return item;
    }

    /// <summary>The next folder a lane may take without waiting: while lane 0 creates the missing folders, one that exists.</summary>
    private (FolderRun Run, FolderInfo Source, FolderInfo? Destination)? TakeFolderNow(out bool ready)
    {
        ready = _foldersReady.Task.IsCompleted;
        return _work!.TryTake(existingOnly: !ready);
    }

    /// <summary>Takes folders from the queue until it is empty; never throws (a failure is recorded and stops every lane).</summary>
    private async Task LaneLoopAsync(Lane lane, CancellationToken ct, (FolderRun Run, FolderInfo Source, FolderInfo? Destination)? first = null)
    {
        _lane.Value = lane;
        ReadAheadFolder? ahead = null;
        try
        {
            for (var item = first ?? await NextFolderAsync(ct); item is { } taken && !ct.IsCancellationRequested;)
            {
                var (run, sourceInfo, destinationInfo) = taken;
                // The first attempt gets what was read ahead (and uses or drops it); a reconnect reads again.
                var current = ahead;
                ahead = null;
                await WithReconnectAsync(
                    (attempt, token) => SyncFolderAsync(
                        run, attempt == 0 ? sourceInfo : null, attempt == 0 ? destinationInfo : null, attempt == 0 ? current : null, token),
                    ct);
                (ahead, lane.Next) = (lane.Next, null);
                item = ahead?.Item ?? await NextFolderAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped: by the caller (rethrown by RunLanesAsync) or by another lane's failure (recorded there).
        }
        catch (Exception ex)
        {
            lock (_lanesLock)
            {
                _laneFailure ??= ExceptionDispatchInfo.Capture(ex);
            }

            await _stopLanes!.CancelAsync();
        }
        finally
        {
            // Stopped with a folder read ahead: the run is failing or cancelled, its pass will not run.
            foreach (var left in new[] { ahead, lane.Next })
            {
                if (left is not null)
                {
                    await DropAsync(left);
                }
            }

            lane.Next = null;
        }
    }

    /// <summary>
    /// Called when a folder has something to copy: starts the other lanes (once), which take the next folders. Only
    /// slots free right now are taken: waiting could deadlock mailboxes that each hold part of what they need.
    /// </summary>
    private void RequestMoreLanes()
    {
        if (Interlocked.Exchange(ref _moreLanesRequested, 1) == 1 || _work is null || _stopLanes is null)
        {
            return;
        }

        var token = _stopLanes.Token;
        // No more lanes than folders waiting: with the biggest folder first, one small folder left behind it would
        // otherwise open every lane, and all but one would log in only to find the queue empty.
        var extra = Math.Min(_options.AppendConnectionsPerMailbox - 1, _work.Count);
        if (_options.MessagesPerExtraLane > 0)
        {
            // And no more than the messages waiting pay for (each lane's logins against its share of the copying).
            extra = (int)Math.Min(extra, _work.MessagesWaiting / _options.MessagesPerExtraLane);
        }

        lock (_lanesLock)
        {
            for (var i = 0; i < extra; i++)
            {
                _laneTasks.Add(Task.Run(async () =>
                {
                    if (_work.IsEmpty || token.IsCancellationRequested)
                    {
                        return;
                    }

                    var lane = new Lane();
                    lock (_lanesLock)
                    {
                        _lanes.Add(lane);
                    }

                    try
                    {
                        if (await _connector.OpenPairAsync(_request.Source, _request.Destination, wait: false, token) is var (source, destination))
                        {
                            (lane.Source, lane.Destination) = (source, destination);
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // An extra lane is an optimisation: the folders stay on the lanes already working.
                        Log(LogLevel.Debug, $"extra connection not opened: {ex.Message}");
                    }

                    if (lane.Source is null || lane.Destination is null)
                    {
                        lane.Dispose();
                        return;
                    }

                    await LaneLoopAsync(lane, token);
                }, CancellationToken.None));
            }
        }
    }

    private async Task ConnectAsync(Lane lane, CancellationToken cancellationToken)
    {
        lane.Dispose();
        (lane.Source, lane.Destination) = (await _connector.OpenPairAsync(_request.Source, _request.Destination, wait: true, cancellationToken))!.Value;
    }

    private async Task WithReconnectAsync(Func<int, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var reconnect = false;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (reconnect)
                {
                    await ConnectAsync(CurrentLane, cancellationToken);
                }

                await action(attempt, cancellationToken);
                return;
            }
            catch (Exception ex) when (IsRetryable(ex) && !cancellationToken.IsCancellationRequested)
            {
                var side = ex is ImapSyncException sync ? sync.Failure.Side : GuessSide();
                var endpoint = side == ImapSide.Source ? _request.Source : _request.Destination;
                if (attempt >= _options.ReconnectAttempts)
                {
                    var failure = ImapErrorClassifier.Classify(ex, endpoint, side);
                    throw new ImapSyncException(failure.Kind is ImapFailureKind.ConnectionRefused or ImapFailureKind.Timeout
                        ? failure
                        : failure with { Kind = ImapFailureKind.ConnectionLost }, ex);
                }

                var delay = _options.ReconnectDelay * Math.Pow(2, attempt);
                Log(LogLevel.Warning, $"connection problem on the {side.ToString().ToLowerInvariant()} ({ex.Message}); reconnecting in {delay.TotalSeconds:0.#} s (attempt {attempt + 1} of {_options.ReconnectAttempts})");
                await Task.Delay(delay, cancellationToken);
                reconnect = true;
            }
        }
    }

    // A dropped connection, or a reconnect that could not get through yet (server restarting).
    private static bool IsRetryable(Exception ex) =>
        ImapErrorClassifier.IsTransient(ex)
        || ex is ImapSyncException { Failure.Kind: ImapFailureKind.ConnectionRefused or ImapFailureKind.Timeout or ImapFailureKind.ConnectionLost };

    // Which connection died: the one no longer connected (the destination when unsure).
    private ImapSide GuessSide() => CurrentLane.Source is { Client.IsConnected: false } ? ImapSide.Source : ImapSide.Destination;

    /// <summary>
    /// Folders in the order the lanes take them: the biggest first (a folder's appends go over one connection, so a big
    /// folder taken last would copy alone at the end). <see cref="OpenAheadAsync"/> follows the same order.
    /// </summary>
    private static IOrderedEnumerable<T> BiggestFirst<T>(IEnumerable<T> items, Func<T, FolderInfo> info) =>
        items.OrderByDescending(i => info(i).Count).ThenByDescending(i => info(i).Size);

    internal sealed record FolderInfo(string FullName, char Separator, FolderRole Role, bool Selectable, int Count, uint UidNext, uint UidValidity, ulong HighestModSeq, ulong Size);

    // withSize: ask for STATUS SIZE (the source's byte totals for progress and plans). The destination's sizes are
    // never used, and a server without a cached size reads every message to answer (Dovecot on a maildir it did not write).
    // withStatus: false lists names and attributes only (the counters are 0).
    internal static async Task<Dictionary<string, FolderInfo>> ListFoldersAsync(
        ImapConnection connection, CancellationToken cancellationToken, bool withSize = true, bool withStatus = true)
    {
        var client = connection.Client;
        var items = withStatus ? StatusItemsFor(client, withSize) : StatusItems.None;

        // With LIST-STATUS this is one round trip for every folder's counters: a no-change delta needs nothing else.
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0], items, false, cancellationToken);
        var result = new Dictionary<string, FolderInfo>(StringComparer.Ordinal);
        foreach (var folder in folders.Prepend(client.Inbox).DistinctBy(f => f.FullName))
        {
            var selectable = !folder.Attributes.HasFlag(FolderAttributes.NoSelect) && !folder.Attributes.HasFlag(FolderAttributes.NonExistent);
            if (withStatus && selectable && folder.UidNext is null && folder.UidValidity == 0)
            {
                await folder.StatusAsync(items, cancellationToken);
            }

            result[folder.FullName] = ToInfo(folder, selectable);
        }

        return result;
    }

    /// <summary>
    /// The source folders' sizes after an initial pass (listed without them): one LIST-STATUS on lane 0's source
    /// connection. The sizes are figures for the run's statistics (the gate's byte ratio, reports), not for the copy:
    /// a failure leaves them at 0, as on a server without STATUS=SIZE, and is logged.
    /// </summary>
    /// <returns>Whether the source was asked for them.</returns>
    private async Task<bool> SourceSizesAsync(CancellationToken ct)
    {
        if (CurrentLane.Source is not { } source || !source.Client.IsConnected || !source.Client.Capabilities.HasFlag(ImapCapabilities.StatusSize))
        {
            return false;
        }

        try
        {
            var sized = await ListFoldersAsync(source, ct);
            foreach (var run in _folders)
            {
                if (sized.TryGetValue(run.Mapping.Source, out var info))
                {
                    run.SourceBytes = info.Size;
                }
            }
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            Log(LogLevel.Warning, $"the source's folder sizes could not be read after the pass: {ex.Message}");
        }

        return true;
    }

    /// <summary>The STATUS items a folder's counters need, as far as the server has them.</summary>
    internal static StatusItems StatusItemsFor(ImapClient client, bool withSize)
    {
        var items = StatusItems.Count | StatusItems.UidNext | StatusItems.UidValidity;
        if (client.Capabilities.HasFlag(ImapCapabilities.CondStore))
        {
            items |= StatusItems.HighestModSeq;
        }

        if (withSize && client.Capabilities.HasFlag(ImapCapabilities.StatusSize))
        {
            items |= StatusItems.Size;
        }

        return items;
    }

    private static FolderInfo ToInfo(IMailFolder folder, bool selectable = true) => new(
        folder.FullName, folder.DirectorySeparator, RoleOf(folder), selectable, folder.Count,
        folder.UidNext?.Id ?? 0, folder.UidValidity, folder.HighestModSeq, folder.Size ?? 0);

    internal static FolderRole RoleOf(IMailFolder folder)
    {
        var a = folder.Attributes;
        if (folder.FullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase)) return FolderRole.Inbox;
        if (a.HasFlag(FolderAttributes.Sent)) return FolderRole.Sent;
        if (a.HasFlag(FolderAttributes.Drafts)) return FolderRole.Drafts;
        if (a.HasFlag(FolderAttributes.Trash)) return FolderRole.Trash;
        if (a.HasFlag(FolderAttributes.Junk)) return FolderRole.Junk;
        if (a.HasFlag(FolderAttributes.Archive)) return FolderRole.Archive;
        if (a.HasFlag(FolderAttributes.All)) return FolderRole.All;
        if (a.HasFlag(FolderAttributes.Flagged)) return FolderRole.Flagged;
        return FolderRole.None;
    }

    private SyncStatistics BuildStatistics() => new()
    {
        Engine = "native",
        MessagesTransferred = _folders.Sum(f => f.Transferred),
        MessagesSkipped = _folders.Sum(f => f.Skipped),
        Errors = _errors,
        BytesTransferred = _folders.Sum(f => f.Bytes),
        Duration = _clock.Elapsed,
        SourceMessages = _folders.Sum(f => (long)f.SourceMessages),
        MessagesOutOfWindow = _request.NotBefore is null ? null : _folders.Sum(f => (long)f.OutOfWindow),
        SourceBytes = _folders.Sum(f => (long)f.SourceBytes),
        DestinationMessages = _folders.All(f => f.DestinationMessages is not null) ? _folders.Sum(f => f.DestinationMessages ?? 0) : null,
        MissingOnDestination = Verify ? _missingCount : null,
        FlagsUpdated = _folders.Sum(f => f.FlagsUpdated),
        MessagesDeleted = _folders.Sum(f => f.Deleted),
        Folders = _folders.Select(f => new FolderStatistics
        {
            SourceFolder = f.Mapping.Source,
            DestinationFolder = f.Mapping.Destination,
            SourceMessages = f.SourceMessages,
            OutOfWindow = f.OutOfWindow,
            DestinationMessages = f.DestinationMessages,
            Transferred = f.Transferred,
            Skipped = f.Skipped,
            Errors = f.Errors,
            BytesTransferred = f.Bytes,
            FlagsUpdated = f.FlagsUpdated,
            Deleted = f.Deleted,
        }).ToList(),
        Missing = _missing,
    };

    private void Report(SyncProgressStage stage, FolderRun? folder, long folderDone, long folderTotal, string? message = null)
    {
        var seconds = _clock.Elapsed.TotalSeconds;
        var rate = seconds > 0 ? Interlocked.Read(ref _transferred) / seconds : 0;
        var done = Interlocked.Read(ref _mailboxDone) + Interlocked.Read(ref _stagedAhead);
        var left = Math.Max(0, _mailboxTotal - done);
        TimeSpan? eta = rate > 0 ? TimeSpan.FromSeconds(left / rate) : null;
        if (message is not null)
        {
            Log(LogLevel.Information, message);
        }

        _progress?.Report(new SyncProgressEvent
        {
            MailboxKey = _key,
            Stage = stage,
            Folder = folder?.Mapping.Source,
            FolderDone = folderDone,
            FolderTotal = folderTotal,
            MailboxDone = done,
            MailboxTotal = _mailboxTotal,
            BytesTransferred = Interlocked.Read(ref _bytes),
            MessagesPerSecond = rate,
            EstimatedRemaining = eta,
            Message = message,
        });
    }

    private void Log(LogLevel level, string message)
    {
        // Messages are built from endpoints' ToString (user@host:port) and server texts; never from secrets.
        _logger.Log(level, "{Mailbox}: {Message}", _key, message);
        if (level >= LogLevel.Warning)
        {
            _progress?.Report(new SyncProgressEvent { MailboxKey = _key, Stage = SyncProgressStage.Log, Message = message, MailboxTotal = _mailboxTotal });
        }
    }

    /// <summary>The folders of the pass not yet taken by a lane, biggest first.</summary>
    private sealed class FolderQueue(List<(FolderRun Run, FolderInfo Source, FolderInfo? Destination)> items)
    {
        private readonly Lock _lock = new();

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return items.Count;
                }
            }
        }

        public bool IsEmpty => Count == 0;

        public long MessagesWaiting
        {
            get
            {
                lock (_lock)
                {
                    return items.Sum(w => (long)w.Source.Count);
                }
            }
        }

        /// <summary>The biggest folder left; with <paramref name="existingOnly"/>, the biggest whose destination exists.</summary>
        public (FolderRun Run, FolderInfo Source, FolderInfo? Destination)? TryTake(bool existingOnly)
        {
            lock (_lock)
            {
                var i = existingOnly ? items.FindIndex(w => w.Destination is not null) : items.Count > 0 ? 0 : -1;
                if (i < 0)
                {
                    return null;
                }

                var item = items[i];
                items.RemoveAt(i);
                return item;
            }
        }
    }

    /// <summary>One source and one destination connection; a lane works on one folder at a time.</summary>
    private sealed class Lane : IDisposable
    {
        public ImapConnection? Source { get; set; }
        public ImapConnection? Destination { get; set; }

        /// <summary>The folder this lane takes next, read ahead on its source connection (<see cref="ReadAhead"/>).</summary>
        public ReadAheadFolder? Next { get; set; }

        public void Dispose()
        {
            Source?.Dispose();
            Source = null;
            Destination?.Dispose();
            Destination = null;
        }
    }

    /// <summary>Figures of one folder, accumulated across reconnect attempts.</summary>
    private sealed class FolderRun(FolderMapping mapping)
    {
        public FolderMapping Mapping { get; } = mapping;
        public int SourceMessages;
        public int OutOfWindow;
        public ulong SourceBytes;
        public long? DestinationMessages;
        public int Transferred;
        public int Skipped;
        public int Errors;
        public long Bytes;
        public int FlagsUpdated;
        public int Deleted;

        /// <summary>When (on the run's clock) the pass last changed the destination folder; null while it has not.</summary>
        public TimeSpan? DestinationChangedAt;
    }
}
