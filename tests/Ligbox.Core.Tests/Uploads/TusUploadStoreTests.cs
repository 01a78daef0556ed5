using System.Security.Cryptography;
using Ligbox.Core.Uploads;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Tests.Uploads;

/// <summary>
/// Tests that measure the process's allocations run alone: GC.GetTotalAllocatedBytes counts every thread,
/// so a test class running beside them would be counted as theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurementCollection
{
    public const string Name = "allocation measurement (runs alone)";
}

[Collection(AllocationMeasurementCollection.Name)]
public sealed class TusUploadStoreTests : IDisposable
{
    private const long MiB = 1024 * 1024;

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("ligbox-store-");
    private readonly ManualTimeProvider _clock = new();
    private readonly FakeFreeSpace _freeSpace = new() { Bytes = long.MaxValue / 2 };
    private readonly RecordingHandler _completed = new();

    private string UploadsDir => Path.Combine(_root.FullName, "uploads");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task GeneratesHexId_AndIgnoresPathsInMetadata()
    {
        var store = CreateStore();

        var info = await store.CreateAsync("alice", 10, new Dictionary<string, string?>
        {
            ["filename"] = "../../../outside.pst",
            ["../evil"] = "/etc/passwd",
        });

        Assert.Matches("^[0-9a-f]{32}$", info.Id);
        Assert.Equal("../../../outside.pst", info.FileName);
        Assert.Equal(
            [info.Id + ".bin", info.Id + ".json"],
            Directory.GetFiles(UploadsDir).Select(Path.GetFileName).Order());
        Assert.Equal([UploadsDir], Directory.GetFileSystemEntries(_root.FullName));
        Assert.Equal(Path.Combine(UploadsDir, info.Id + ".bin"), store.GetDataFilePath(info.Id));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("0123456789abcdef0123456789abcdef/../x")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef0123456789abcdef\n")]
    [InlineData("")]
    public async Task TreatsIdsItDidNotGenerateAsMissing(string id)
    {
        var store = CreateStore();

        Assert.Null(await store.GetAsync(id));
        Assert.False(await store.DeleteAsync(id));
        await Assert.ThrowsAsync<UploadNotFoundException>(() => store.AppendAsync(id, 0, new MemoryStream([1]), null));
        Assert.Throws<ArgumentException>(() => store.GetDataFilePath(id));
    }

    [Fact]
    public async Task RefusesCreation_WhenFreeSpaceDoesNotExceedLengthPlusMargin()
    {
        var store = CreateStore(o => o.MinFreeDiskBytes = 100 * MiB);
        _freeSpace.Bytes = 150 * MiB;

        var refused = await Assert.ThrowsAsync<InsufficientStorageException>(
            () => store.CreateAsync("alice", 50 * MiB, new Dictionary<string, string?>()));
        var accepted = await store.CreateAsync("alice", 50 * MiB - 1, new Dictionary<string, string?>());

        Assert.Equal(150 * MiB, refused.RequiredBytes);
        Assert.Equal(150 * MiB, refused.AvailableBytes);
        Assert.Contains("free disk space", refused.Message);
        Assert.Single(await store.ListAsync(null));
        Assert.Equal(accepted.Id, (await store.ListAsync("alice")).Single().Id);
    }

    [Fact]
    public async Task CountsUnfinishedUploads_WhenCheckingFreeSpace()
    {
        var store = CreateStore(o => o.MinFreeDiskBytes = 10 * MiB);
        _freeSpace.Bytes = 100 * MiB;
        await store.CreateAsync("alice", 60 * MiB, new Dictionary<string, string?>());

        // 60 MB are promised to the first upload: another 60 MB would not fit on 100 MB.
        await Assert.ThrowsAsync<InsufficientStorageException>(
            () => store.CreateAsync("bob", 60 * MiB, new Dictionary<string, string?>()));
    }

    [Fact]
    public async Task RefusesCreation_WhenLengthExceedsMaxSize()
    {
        var store = CreateStore(o => o.MaxSize = 1000);

        await Assert.ThrowsAsync<UploadTooLargeException>(() => store.CreateAsync("alice", 1001, new Dictionary<string, string?>()));
    }

    [Fact]
    public async Task TwoNodesOnOneSharedDirectory_OneWriterAtATime_AndAnUploadStartedOnOneResumesOnTheOther()
    {
        // Two web nodes behind a load balancer: two stores (two processes) on the one shared uploads directory.
        var web1 = CreateStore();
        var web2 = CreateStore();
        var info = await web1.CreateAsync("alice", 6, new Dictionary<string, string?> { ["filename"] = "a.pst" });
        var slow = new GatedStream([1, 2, 3]);

        var first = web1.AppendAsync(info.Id, 0, slow, null);
        await slow.FirstReadStarted;
        // While node 1 writes, node 2 refuses a write to the same upload (423, the client retries), and keeps nothing of it.
        await Assert.ThrowsAsync<UploadLockedException>(() => web2.AppendAsync(info.Id, 0, new MemoryStream([9, 9, 9]), null));
        slow.Release();
        Assert.Equal(3, (await first).Offset);

        // The client resumes through node 2 from the offset node 1 recorded; node 2 completes it.
        Assert.Equal(3, (await web2.GetAsync(info.Id))!.Offset);
        var done = await web2.AppendAsync(info.Id, 3, new MemoryStream([4, 5, 6]), null);
        Assert.True(done.IsCompleted);
        Assert.Equal([1, 2, 3, 4, 5, 6], await File.ReadAllBytesAsync(web1.GetDataFilePath(info.Id)));
        // A stale request with the old offset is refused on either node.
        await Assert.ThrowsAsync<UploadOffsetMismatchException>(() => web1.AppendAsync(info.Id, 3, new MemoryStream([7]), null));
    }

    [Fact]
    public async Task RefusesSecondConcurrentAppend_WithLocked()
    {
        var store = CreateStore();
        var info = await store.CreateAsync("alice", 10, new Dictionary<string, string?>());
        var slow = new GatedStream([1, 2, 3]);

        var first = store.AppendAsync(info.Id, 0, slow, null);
        await slow.FirstReadStarted;
        var second = await Assert.ThrowsAsync<UploadLockedException>(() => store.AppendAsync(info.Id, 0, new MemoryStream([9]), null));
        var delete = await Assert.ThrowsAsync<UploadLockedException>(() => store.DeleteAsync(info.Id));
        slow.Release();
        var done = await first;

        Assert.Contains(info.Id, second.Message);
        Assert.NotNull(delete);
        Assert.Equal(3, done.Offset);
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(store.GetDataFilePath(info.Id)));

        // The lock is released afterwards.
        Assert.Equal(4, (await store.AppendAsync(info.Id, 3, new MemoryStream([4]), null)).Offset);
    }

    [Fact]
    public async Task RefusesAppend_WhenOffsetDoesNotMatch()
    {
        var store = CreateStore();
        var info = await store.CreateAsync("alice", 10, new Dictionary<string, string?>());
        await store.AppendAsync(info.Id, 0, new MemoryStream([1, 2]), null);

        var mismatch = await Assert.ThrowsAsync<UploadOffsetMismatchException>(
            () => store.AppendAsync(info.Id, 0, new MemoryStream([1, 2]), null));

        Assert.Equal(2, mismatch.ExpectedOffset);
    }

    [Fact]
    public async Task StreamsBodyThroughFixedBuffer_WithoutBufferingIt()
    {
        var store = CreateStore();
        const long size = 256 * MiB;
        var info = await store.CreateAsync("alice", size, new Dictionary<string, string?>());
        using var body = new GeneratedStream(size);
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        var done = await store.AppendAsync(info.Id, 0, body, null);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        Assert.True(done.IsCompleted);
        Assert.Equal(size, new FileInfo(store.GetDataFilePath(info.Id)).Length);

        // 256 MB went through; a buffered body would allocate at least that. The limit leaves room
        // for whatever else the test process allocates meanwhile.
        Assert.True(allocated < 16 * MiB, $"allocated {allocated / MiB} MB while storing {size / MiB} MB");
    }

    [Fact]
    public async Task DiscardsChunk_WhenChecksumDoesNotMatch()
    {
        var store = CreateStore();
        var info = await store.CreateAsync("alice", 6, new Dictionary<string, string?>());
        await store.AppendAsync(info.Id, 0, new MemoryStream("abc"u8.ToArray()), null);
        Assert.True(UploadChecksum.TryParse("md5 " + Convert.ToBase64String(MD5.HashData("xyz"u8)), out var wrong, out _));
        Assert.True(UploadChecksum.TryParse("md5 " + Convert.ToBase64String(MD5.HashData("def"u8)), out var right, out _));

        await Assert.ThrowsAsync<UploadChecksumMismatchException>(
            () => store.AppendAsync(info.Id, 3, new MemoryStream("def"u8.ToArray()), wrong));
        Assert.Equal(3, (await store.GetAsync(info.Id))!.Offset);
        Assert.Equal("abc", await File.ReadAllTextAsync(store.GetDataFilePath(info.Id)));

        await store.AppendAsync(info.Id, 3, new MemoryStream("def"u8.ToArray()), right);
        Assert.Equal("abcdef", await File.ReadAllTextAsync(store.GetDataFilePath(info.Id)));
    }

    [Fact]
    public async Task KeepsBytesReceivedBeforeBodyFailed_SoClientCanResume()
    {
        var store = CreateStore();
        var info = await store.CreateAsync("alice", 10 * MiB, new Dictionary<string, string?>());

        await Assert.ThrowsAsync<IOException>(() => store.AppendAsync(info.Id, 0, new FailingStream(3 * MiB), null));

        var after = await store.GetAsync(info.Id);
        Assert.Equal(3 * MiB, after!.Offset);
        Assert.Equal(3 * MiB, new FileInfo(store.GetDataFilePath(info.Id)).Length);
    }

    [Fact]
    public async Task RejectsAndDiscardsChunk_WhenItGoesPastLength()
    {
        var store = CreateStore();
        var info = await store.CreateAsync("alice", 4, new Dictionary<string, string?>());

        await Assert.ThrowsAsync<UploadLengthExceededException>(
            () => store.AppendAsync(info.Id, 0, new MemoryStream([1, 2, 3, 4, 5]), null));

        Assert.Equal(0, (await store.GetAsync(info.Id))!.Offset);
        Assert.Equal(0, new FileInfo(store.GetDataFilePath(info.Id)).Length);
    }

    [Fact]
    public async Task NotifiesCompletionHandlerOnce_WhenLastByteArrives()
    {
        var store = CreateStore();
        var info = await store.CreateAsync("alice", 4, new Dictionary<string, string?> { ["jobId"] = "12" });

        await store.AppendAsync(info.Id, 0, new MemoryStream([1, 2]), null);
        Assert.Empty(_completed.Calls);
        var done = await store.AppendAsync(info.Id, 2, new MemoryStream([3, 4]), null);
        await store.AppendAsync(info.Id, 4, new MemoryStream(), null);

        var call = Assert.Single(_completed.Calls);
        Assert.Equal(info.Id, call.Upload.Id);
        Assert.Equal("12", call.Upload.Metadata["jobId"]);
        Assert.Equal(store.GetDataFilePath(info.Id), call.Path);
        Assert.Equal(_clock.GetUtcNow(), done.CompletedAt);
    }

    [Fact]
    public async Task CleanupRemovesOnlyExpiredUnfinishedUploads()
    {
        var store = CreateStore(o => o.Expiration = TimeSpan.FromHours(1));
        var stale = await store.CreateAsync("alice", 10, new Dictionary<string, string?>());
        var finished = await store.CreateAsync("alice", 1, new Dictionary<string, string?>());
        await store.AppendAsync(finished.Id, 0, new MemoryStream([1]), null);
        _clock.Advance(TimeSpan.FromMinutes(50));
        var fresh = await store.CreateAsync("bob", 10, new Dictionary<string, string?>());
        _clock.Advance(TimeSpan.FromMinutes(11));

        Assert.True((await store.GetAsync(stale.Id))!.IsExpired(_clock.GetUtcNow()));
        await Assert.ThrowsAsync<UploadExpiredException>(() => store.AppendAsync(stale.Id, 0, new MemoryStream([1]), null));
        var removed = await store.CleanupExpiredAsync();

        Assert.Equal(1, removed);
        Assert.Null(await store.GetAsync(stale.Id));
        Assert.False(File.Exists(Path.Combine(UploadsDir, stale.Id + ".bin")));
        Assert.NotNull(await store.GetAsync(finished.Id));
        Assert.NotNull(await store.GetAsync(fresh.Id));
    }

    [Fact]
    public async Task WriteExtendsExpiry()
    {
        var store = CreateStore(o => o.Expiration = TimeSpan.FromHours(1));
        var info = await store.CreateAsync("alice", 10, new Dictionary<string, string?>());
        _clock.Advance(TimeSpan.FromMinutes(59));

        var after = await store.AppendAsync(info.Id, 0, new MemoryStream([1]), null);

        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromHours(1), after.ExpiresAt);
    }

    private TusUploadStore CreateStore(Action<UploadOptions>? configure = null)
    {
        var options = new UploadOptions { Directory = UploadsDir };
        configure?.Invoke(options);
        return new TusUploadStore(Options.Create(options), _freeSpace, _clock, [_completed], NullLogger<TusUploadStore>.Instance);
    }

    private sealed class FakeFreeSpace : IFreeSpaceProvider
    {
        public long Bytes { get; set; }

        public long GetAvailableFreeSpace(string directory) => Bytes;
    }

    private sealed class RecordingHandler : IUploadCompletedHandler
    {
        public List<(UploadInfo Upload, string Path)> Calls { get; } = [];

        public Task OnUploadCompletedAsync(UploadInfo upload, string dataFilePath, CancellationToken cancellationToken)
        {
            Calls.Add((upload, dataFilePath));
            return Task.CompletedTask;
        }
    }

    private sealed class ManualTimeProvider : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    /// <summary>Non-seekable body that produces bytes on demand, like a request body.</summary>
    private class GeneratedStream(long length) : Stream
    {
        private long _produced;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _produced);
            buffer[..n].Fill((byte)(_produced % 251));
            _produced += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Delivers some bytes, then fails like a connection reset mid-body.</summary>
    private sealed class FailingStream(long failAfter) : GeneratedStream(long.MaxValue)
    {
        private long _read;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_read >= failAfter)
            {
                throw new IOException("connection reset");
            }

            var n = await base.ReadAsync(buffer[..(int)Math.Min(buffer.Length, failAfter - _read)], cancellationToken);
            _read += n;
            return n;
        }
    }

    /// <summary>Returns its bytes only after <see cref="Release"/>, to hold a write open.</summary>
    private sealed class GatedStream(byte[] data) : GeneratedStream(0)
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _done;

        public Task FirstReadStarted => _started.Task;

        public void Release() => _gate.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _started.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
            if (_done)
            {
                return 0;
            }

            _done = true;
            data.CopyTo(buffer);
            return data.Length;
        }
    }
}
