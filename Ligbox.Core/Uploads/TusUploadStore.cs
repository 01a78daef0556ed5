using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Uploads;

/// <summary>
/// File-based store behind the tus endpoints: <c>{id}.bin</c> holds the bytes, <c>{id}.json</c> the
/// <see cref="UploadInfo"/>. Ids are generated here (32 hex digits) and are the only thing that ever
/// reaches a path, so client metadata such as a filename with "../" cannot move a file.
/// One write per upload at a time: a second concurrent PATCH gets <see cref="UploadLockedException"/>.
/// </summary>
public sealed partial class TusUploadStore
{
    private const int CopyBufferSize = 81920;
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly UploadOptions _options;
    private readonly string _directory;
    private readonly IFreeSpaceProvider _freeSpace;
    private readonly TimeProvider _time;
    private readonly IEnumerable<IUploadCompletedHandler> _completedHandlers;
    private readonly ILogger<TusUploadStore> _logger;

    // Ids of uploads with a write, termination or cleanup in progress. A try-lock rather than a queue:
    // a client that sends two PATCHes at once is broken or has a stale request, and tus clients retry 423.
    private readonly ConcurrentDictionary<string, byte> _busy = new(StringComparer.Ordinal);

    // Serializes creations so two large uploads cannot both pass the free-space check for the same bytes.
    private readonly SemaphoreSlim _createGate = new(1, 1);

    public TusUploadStore(
        IOptions<UploadOptions> options,
        IFreeSpaceProvider freeSpace,
        TimeProvider time,
        IEnumerable<IUploadCompletedHandler> completedHandlers,
        ILogger<TusUploadStore> logger)
    {
        _options = options.Value;
        if (string.IsNullOrWhiteSpace(_options.Directory))
        {
            throw new InvalidOperationException("UploadOptions.Directory must be set (AddTusUploads sets it).");
        }

        _directory = Path.GetFullPath(_options.Directory);
        _freeSpace = freeSpace;
        _time = time;
        _completedHandlers = completedHandlers;
        _logger = logger;
        Directory.CreateDirectory(_directory);
    }

    public UploadOptions Options => _options;

    public string DirectoryPath => _directory;

    /// <summary>Free bytes on the uploads volume right now.</summary>
    public long FreeSpace() => _freeSpace.GetAvailableFreeSpace(_directory);

    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>Path of the data file of an upload (for the import once it is completed).</summary>
    /// <exception cref="ArgumentException">The id is not one this store generates.</exception>
    public string GetDataFilePath(string id) =>
        IsValidId(id) ? Path.Combine(_directory, id + ".bin") : throw new ArgumentException("Not an upload id.", nameof(id));

    /// <summary>Creates an empty upload after checking the size limit and the free disk space.</summary>
    /// <exception cref="UploadTooLargeException">length is over <see cref="UploadOptions.MaxSize"/>.</exception>
    /// <exception cref="InsufficientStorageException">The disk cannot hold it plus the unfinished uploads and the margin.</exception>
    public async Task<UploadInfo> CreateAsync(
        string ownerId, long length, IReadOnlyDictionary<string, string?> metadata, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownerId);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > _options.MaxSize)
        {
            throw new UploadTooLargeException(length, _options.MaxSize);
        }

        await _createGate.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            var reserved = 0L;
            long declared = 0, declaredByOwner = 0;
            foreach (var other in await ListAsync(null, cancellationToken))
            {
                if (!other.IsCompleted && !other.IsExpired(now))
                {
                    reserved += other.Length - other.Offset;
                    declared += other.Length;
                    declaredByOwner += other.OwnerId == ownerId ? other.Length : 0;
                }
            }

            // Declared lengths count, sent or not: empty uploads cannot reserve the disk (issue 12).
            if (declaredByOwner + length > _options.MaxPendingBytesPerOwner)
            {
                throw new UploadQuotaExceededException(
                    $"Your unfinished uploads already declare {Gb(declaredByOwner)}; with this one ({Gb(length)}) they would pass your limit of " +
                    $"{Gb(_options.MaxPendingBytesPerOwner)} (Ligbox:Uploads:MaxPendingBytesPerOwner). Finish or delete an upload first; unfinished ones expire after {_options.Expiration.TotalHours:0.##} h without a write.");
            }

            if (declared + length > _options.MaxPendingBytes)
            {
                throw new UploadQuotaExceededException(
                    $"Unfinished uploads of all users already declare {Gb(declared)}; with this one ({Gb(length)}) they would pass the console's limit of " +
                    $"{Gb(_options.MaxPendingBytes)} (Ligbox:Uploads:MaxPendingBytes). Try again when other uploads have finished.");
            }

            var available = _freeSpace.GetAvailableFreeSpace(_directory);
            var required = length + reserved + _options.MinFreeDiskBytes;
            if (available <= required)
            {
                throw new InsufficientStorageException(required, available);
            }

            var info = new UploadInfo
            {
                Id = Guid.NewGuid().ToString("N"),
                OwnerId = ownerId,
                Length = length,
                Offset = 0,
                Metadata = new Dictionary<string, string?>(metadata, StringComparer.Ordinal),
                CreatedAt = now,
                ExpiresAt = now + _options.Expiration,
                CompletedAt = length == 0 ? now : null,
            };

            await using (new FileStream(DataPath(info.Id), FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
            }

            Storage.PrivateFiles.Restrict(DataPath(info.Id)); // customer PSTs: 0600 (issue 12)

            await SaveAsync(info, cancellationToken);
            LogCreated(info.Id, ownerId, length);
            if (info.IsCompleted)
            {
                await NotifyCompletedAsync(info);
            }

            return info;
        }
        finally
        {
            _createGate.Release();
        }
    }

    private static string Gb(long bytes) => $"{bytes / 1024d / 1024 / 1024:0.##} GB";

    /// <summary>The upload, or null when the id is unknown, malformed or its files are gone.</summary>
    public async Task<UploadInfo?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!IsValidId(id))
        {
            return null;
        }

        try
        {
            await using var stream = new FileStream(MetaPath(id), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var info = await JsonSerializer.DeserializeAsync<UploadInfo>(stream, JsonOptions, cancellationToken);
            return info is not null && info.Id == id && File.Exists(DataPath(id)) ? info : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException ex)
        {
            LogCorruptMetadata(ex, id);
            return null;
        }
    }

    /// <summary>
    /// Appends the body at <paramref name="offset"/>, streaming it through a fixed buffer straight to disk.
    /// Without a checksum, the bytes received before a broken connection are kept (tus: resume from there);
    /// with one, a chunk whose digest does not match is discarded.
    /// </summary>
    /// <exception cref="UploadNotFoundException"/>
    /// <exception cref="UploadExpiredException"/>
    /// <exception cref="UploadLockedException">Another write to this upload is in progress.</exception>
    /// <exception cref="UploadOffsetMismatchException"/>
    /// <exception cref="UploadChecksumMismatchException"/>
    /// <exception cref="UploadLengthExceededException">The body goes past the declared length.</exception>
    public async Task<UploadInfo> AppendAsync(
        string id, long offset, Stream body, UploadChecksum? checksum, CancellationToken cancellationToken = default)
    {
        if (!IsValidId(id))
        {
            throw new UploadNotFoundException(id);
        }

        if (!_busy.TryAdd(id, 0))
        {
            throw new UploadLockedException(id);
        }

        try
        {
            return await AppendLockedAsync(id, offset, body, checksum, cancellationToken);
        }
        finally
        {
            _busy.TryRemove(id, out _);
        }
    }

    private async Task<UploadInfo> AppendLockedAsync(
        string id, long offset, Stream body, UploadChecksum? checksum, CancellationToken cancellationToken)
    {
        // The data file opened exclusively is the lock between processes: several web nodes share the uploads
        // directory (issue 17), and the in-process lock above does not see the other nodes' writes.
        await using var file = OpenExclusive(id);
        // Read under that lock: another node may have moved the offset since this request arrived.
        var info = await GetAsync(id, cancellationToken) ?? throw new UploadNotFoundException(id);
        if (info.IsExpired(_time.GetUtcNow()))
        {
            throw new UploadExpiredException(id);
        }

        if (offset != info.Offset)
        {
            throw new UploadOffsetMismatchException(info.Offset, offset);
        }

        var remaining = info.Length - info.Offset;
        var written = 0L;
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        using var hash = checksum is null ? null : IncrementalHash.CreateHash(checksum.HashName);
        try
        {
            // Bytes past the recorded offset were never acknowledged (a crash between write and metadata save).
            if (file.Length != info.Offset)
            {
                file.SetLength(info.Offset);
            }

            file.Position = info.Offset;
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken)) > 0)
            {
                if (written + read > remaining)
                {
                    file.SetLength(info.Offset);
                    throw new UploadLengthExceededException(info.Length);
                }

                hash?.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                written += read;
            }

            if (checksum is not null && !CryptographicOperations.FixedTimeEquals(hash!.GetHashAndReset(), checksum.Expected))
            {
                file.SetLength(info.Offset);
                throw new UploadChecksumMismatchException(checksum.Algorithm);
            }

            file.Flush(flushToDisk: true);
            return await RecordWriteAsync(info, written, cancellationToken);
        }
        catch (Exception ex) when (ex is not UploadException && checksum is null && written > 0)
        {
            // The client went away mid-chunk: keep what arrived so it can resume from there.
            file.Flush(flushToDisk: true);
            await RecordWriteAsync(info, written, CancellationToken.None);
            LogPartialWrite(id, written, ex.GetType().Name);
            throw;
        }
        catch (Exception ex) when (ex is not UploadException)
        {
            file.SetLength(info.Offset);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Opens an upload's data file for writing, refusing while any process (another node) has it open.</summary>
    private FileStream OpenExclusive(string id)
    {
        try
        {
            return new FileStream(DataPath(id), FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UploadNotFoundException(id);
        }
        catch (IOException ex) when ((ex.HResult & 0xFFFF) is 11 or 32)
        {
            // EWOULDBLOCK from the file lock (Linux), or a sharing violation (Windows).
            throw new UploadLockedException(id);
        }
    }

    private async Task<UploadInfo> RecordWriteAsync(UploadInfo info, long written, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var newOffset = info.Offset + written;
        var justCompleted = newOffset == info.Length && !info.IsCompleted;
        var updated = info with
        {
            Offset = newOffset,
            ExpiresAt = written > 0 ? now + _options.Expiration : info.ExpiresAt,
            CompletedAt = justCompleted ? now : info.CompletedAt,
        };
        if (written > 0)
        {
            await SaveAsync(updated, cancellationToken);
        }

        if (justCompleted)
        {
            LogCompleted(info.Id, info.Length);
            await NotifyCompletedAsync(updated);
        }

        return updated;
    }

    /// <summary>Removes an upload and its data (tus termination, or the import when it is done).</summary>
    /// <returns>False when it did not exist.</returns>
    /// <exception cref="UploadLockedException">A write to it is in progress.</exception>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!IsValidId(id))
        {
            return false;
        }

        if (!_busy.TryAdd(id, 0))
        {
            throw new UploadLockedException(id);
        }

        try
        {
            var existed = await GetAsync(id, cancellationToken) is not null;
            DeleteFiles(id);
            if (existed)
            {
                LogDeleted(id);
            }

            return existed;
        }
        finally
        {
            _busy.TryRemove(id, out _);
        }
    }

    /// <summary>Uploads of one user (newest first), or of everyone when <paramref name="ownerId"/> is null.</summary>
    public async Task<IReadOnlyList<UploadInfo>> ListAsync(string? ownerId, CancellationToken cancellationToken = default)
    {
        var result = new List<UploadInfo>();
        foreach (var path in Directory.EnumerateFiles(_directory, "*.json"))
        {
            var id = Path.GetFileNameWithoutExtension(path);
            if (await GetAsync(id, cancellationToken) is { } info && (ownerId is null || info.OwnerId == ownerId))
            {
                result.Add(info);
            }
        }

        result.Sort((a, b) => b.CreatedAt.CompareTo(a.CreatedAt));
        return result;
    }

    /// <summary>
    /// Deletes unfinished uploads whose expiry has passed, plus leftovers (data without metadata,
    /// temporary metadata files) older than the expiration. Uploads being written are skipped.
    /// </summary>
    /// <returns>The number of expired uploads removed.</returns>
    public async Task<int> CleanupExpiredAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var removed = 0;
        foreach (var info in await ListAsync(null, cancellationToken))
        {
            if (!info.IsExpired(now) || !_busy.TryAdd(info.Id, 0))
            {
                continue;
            }

            try
            {
                // Re-read under the lock: a PATCH may have extended it since the listing.
                if (await GetAsync(info.Id, cancellationToken) is { } current && current.IsExpired(now))
                {
                    DeleteFiles(info.Id);
                    removed++;
                    LogExpired(info.Id, current.OwnerId, current.Offset, current.Length);
                }
            }
            finally
            {
                _busy.TryRemove(info.Id, out _);
            }
        }

        foreach (var path in Directory.EnumerateFiles(_directory))
        {
            var name = Path.GetFileName(path);
            var id = name.Split('.')[0];
            var orphan = name.EndsWith(".tmp", StringComparison.Ordinal)
                || (name.EndsWith(".bin", StringComparison.Ordinal) && !File.Exists(Path.Combine(_directory, id + ".json")));
            if (orphan && IsValidId(id) && !_busy.ContainsKey(id)
                && File.GetLastWriteTimeUtc(path) + _options.Expiration < now.UtcDateTime)
            {
                File.Delete(path);
            }
        }

        return removed;
    }

    /// <summary>
    /// Deletes finished uploads completed before <paramref name="completedBefore"/> whose data file is not in
    /// <paramref name="inUse"/> (full paths). Uploads being written or deleted are skipped.
    /// </summary>
    /// <returns>The number of finished uploads removed.</returns>
    public async Task<int> CleanupCompletedAsync(DateTimeOffset completedBefore, IReadOnlySet<string> inUse, CancellationToken cancellationToken = default)
    {
        var removed = 0;
        foreach (var info in await ListAsync(null, cancellationToken))
        {
            if (info.CompletedAt is not { } completed || completed >= completedBefore || inUse.Contains(DataPath(info.Id)) || !_busy.TryAdd(info.Id, 0))
            {
                continue;
            }

            try
            {
                DeleteFiles(info.Id);
                removed++;
                LogRetentionDeleted(info.Id, info.OwnerId, info.Length);
            }
            finally
            {
                _busy.TryRemove(info.Id, out _);
            }
        }

        return removed;
    }

    private async Task SaveAsync(UploadInfo info, CancellationToken cancellationToken)
    {
        // Write-then-rename so a reader (HEAD) never sees a half-written file.
        var temp = MetaPath(info.Id) + ".tmp";
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await JsonSerializer.SerializeAsync(stream, info, JsonOptions, cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        Storage.PrivateFiles.Restrict(temp);

        File.Move(temp, MetaPath(info.Id), overwrite: true);
    }

    private async Task NotifyCompletedAsync(UploadInfo info)
    {
        foreach (var handler in _completedHandlers)
        {
            try
            {
                // Not the request's token: the data is complete even if the client hangs up now.
                await handler.OnUploadCompletedAsync(info, DataPath(info.Id), CancellationToken.None);
            }
            catch (Exception ex)
            {
                LogHandlerFailed(ex, handler.GetType().Name, info.Id);
            }
        }
    }

    private void DeleteFiles(string id)
    {
        File.Delete(DataPath(id));
        File.Delete(MetaPath(id));
        File.Delete(MetaPath(id) + ".tmp");
    }

    private string DataPath(string id) => Path.Combine(_directory, id + ".bin");

    private string MetaPath(string id) => Path.Combine(_directory, id + ".json");

    [GeneratedRegex(@"^[0-9a-f]{32}\z")]
    private static partial Regex IdPattern();

    [LoggerMessage(LogLevel.Information, "Upload {UploadId} created by {OwnerId}, {Length} bytes")]
    private partial void LogCreated(string uploadId, string ownerId, long length);

    [LoggerMessage(LogLevel.Information, "Upload {UploadId} completed, {Length} bytes")]
    private partial void LogCompleted(string uploadId, long length);

    [LoggerMessage(LogLevel.Information, "Upload {UploadId} deleted")]
    private partial void LogDeleted(string uploadId);

    [LoggerMessage(LogLevel.Information, "Upload {UploadId} of {OwnerId} expired at {Offset}/{Length} bytes and was removed")]
    private partial void LogExpired(string uploadId, string ownerId, long offset, long length);

    [LoggerMessage(LogLevel.Information, "Upload {UploadId} of {OwnerId} ({Length} bytes) was finished longer ago than the retention and no unfinished import names it: removed")]
    private partial void LogRetentionDeleted(string uploadId, string ownerId, long length);

    [LoggerMessage(LogLevel.Information, "Upload {UploadId}: request ended early ({Reason}); kept {Written} bytes for resuming")]
    private partial void LogPartialWrite(string uploadId, long written, string reason);

    [LoggerMessage(LogLevel.Warning, "Upload {UploadId} has unreadable metadata; treated as missing")]
    private partial void LogCorruptMetadata(Exception exception, string uploadId);

    [LoggerMessage(LogLevel.Error, "Upload completion handler {Handler} failed for upload {UploadId}")]
    private partial void LogHandlerFailed(Exception exception, string handler, string uploadId);
}
