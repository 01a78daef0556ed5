using System.Diagnostics;
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
    private readonly Stopwatch _clock = new();
    private readonly List<FolderRun> _folders = [];
    private readonly List<MissingMessage> _missing = [];
    private ImapConnection? _source;
    private readonly List<ImapConnection> _appenders = [];
    private bool _appendersOpened;
    private long _mailboxTotal;
    private long _mailboxDone;
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
        _throttle = new Throttle(request.MaxMessagesPerSecond ?? options.MaxMessagesPerSecond, request.MaxBytesPerSecond ?? options.MaxBytesPerSecond);
    }

    private bool Mirror => _request.Kind == SyncKind.Final && _request.Mirror;

    private bool Verify => _request.Kind == SyncKind.Final || _request.Verify;

    private ImapConnection Source => _source ?? throw new InvalidOperationException("not connected");

    /// <summary>The destination connection used for folder management, flags and mirror (also appends).</summary>
    private ImapConnection Destination => _appenders.Count > 0 ? _appenders[0] : throw new InvalidOperationException("not connected");

    public async Task<SyncStatistics> RunAsync(CancellationToken cancellationToken)
    {
        _clock.Start();
        try
        {
            await ConnectAsync(cancellationToken);
            var sourceFolders = await ListFoldersAsync(Source, cancellationToken);
            var destinationFolders = await ListFoldersAsync(Destination, cancellationToken);
            var mapper = new FolderMapper(_request.Mapping);
            var mappings = mapper.Map(
                sourceFolders.Values.Where(f => f.Selectable).Select(f => new SourceFolder(f.FullName, f.Separator, f.Role)),
                destinationFolders.Values.Select(f => new DestinationFolder(f.FullName, f.Role)),
                Destination.Client.PersonalNamespaces.FirstOrDefault()?.DirectorySeparator ?? '/');
            _mailboxTotal = mappings.Sum(m => (long)sourceFolders[m.Source].Count);
            Report(SyncProgressStage.MailboxStarted, null, 0, 0,
                $"{_request.Source} → {_request.Destination}: {_request.Kind} pass over {mappings.Count} folders, {_mailboxTotal} messages");

            foreach (var mapping in mappings)
            {
                var run = new FolderRun(mapping);
                _folders.Add(run);
                destinationFolders.TryGetValue(mapping.Destination, out var destinationInfo);
                await WithReconnectAsync(
                    (attempt, ct) => SyncFolderAsync(run, attempt == 0 ? sourceFolders[mapping.Source] : null, attempt == 0 ? destinationInfo : null, ct),
                    cancellationToken);
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
        _source?.Dispose();
        _source = null;
        foreach (var connection in _appenders)
        {
            connection.Dispose();
        }

        _appenders.Clear();
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        Dispose();
        _appendersOpened = false;
        var sameServer = string.Equals($"{_request.Source.Host}:{_request.Source.Port}", $"{_request.Destination.Host}:{_request.Destination.Port}", StringComparison.OrdinalIgnoreCase);
        while (true)
        {
            _source = await _connector.OpenAsync(_request.Source, ImapSide.Source, cancellationToken);
            if (!sameServer)
            {
                _appenders.Add(await _connector.OpenAsync(_request.Destination, ImapSide.Destination, cancellationToken));
                return;
            }

            // Both connections come from the same server's slots: holding one while waiting for the other
            // could deadlock parallel mailboxes, so give the first back and retry when the second is taken.
            if (await _connector.TryOpenAsync(_request.Destination, ImapSide.Destination, cancellationToken) is { } destination)
            {
                _appenders.Add(destination);
                return;
            }

            _source.Dispose();
            _source = null;
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(20, 200)), cancellationToken);
        }
    }

    /// <summary>
    /// Opens the extra append connections the first time there is something to append (a no-change delta
    /// never pays for them). Only slots free right now are taken: waiting could deadlock mailboxes that
    /// each hold part of what they need.
    /// </summary>
    private async Task EnsureAppendersAsync(CancellationToken cancellationToken)
    {
        if (_appendersOpened)
        {
            return;
        }

        _appendersOpened = true;
        for (var i = _appenders.Count; i < _options.AppendConnectionsPerMailbox; i++)
        {
            var extra = await _connector.TryOpenAsync(_request.Destination, ImapSide.Destination, cancellationToken);
            if (extra is null)
            {
                break;
            }

            _appenders.Add(extra);
        }
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
                    await ConnectAsync(cancellationToken);
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
    private ImapSide GuessSide() => _source is { Client.IsConnected: false } ? ImapSide.Source : ImapSide.Destination;

    internal sealed record FolderInfo(string FullName, char Separator, FolderRole Role, bool Selectable, int Count, uint UidNext, uint UidValidity, ulong HighestModSeq, ulong Size);

    internal static async Task<Dictionary<string, FolderInfo>> ListFoldersAsync(ImapConnection connection, CancellationToken cancellationToken)
    {
        var client = connection.Client;
        var items = StatusItems.Count | StatusItems.UidNext | StatusItems.UidValidity;
        if (client.Capabilities.HasFlag(ImapCapabilities.CondStore))
        {
            items |= StatusItems.HighestModSeq;
        }

        if (client.Capabilities.HasFlag(ImapCapabilities.StatusSize))
        {
            items |= StatusItems.Size;
        }

        // With LIST-STATUS this is one round trip for every folder's counters: a no-change delta needs nothing else.
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0], items, false, cancellationToken);
        var result = new Dictionary<string, FolderInfo>(StringComparer.Ordinal);
        foreach (var folder in folders.Prepend(client.Inbox).DistinctBy(f => f.FullName))
        {
            var selectable = !folder.Attributes.HasFlag(FolderAttributes.NoSelect) && !folder.Attributes.HasFlag(FolderAttributes.NonExistent);
            if (selectable && folder.UidNext is null && folder.UidValidity == 0)
            {
                await folder.StatusAsync(items, cancellationToken);
            }

            result[folder.FullName] = ToInfo(folder, selectable);
        }

        return result;
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
        var done = Interlocked.Read(ref _mailboxDone);
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
    }
}
