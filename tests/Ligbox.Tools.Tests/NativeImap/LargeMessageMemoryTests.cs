using System.Diagnostics;
using System.Text;
using Ligbox.Testing.Dovecot;
using Ligbox.Tools.NativeImap;

namespace Ligbox.Tools.Tests.NativeImap;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "memory measurement (runs alone)";
}

[Collection(MemoryMeasurementCollection.Name)]
public sealed class LargeMessageMemoryTests : IClassFixture<ImapServersFixture>
{
    private const long MessageBytes = 100L * 1024 * 1024;
    private readonly ImapServersFixture _servers;

    public LargeMessageMemoryTests(ImapServersFixture servers) => _servers = servers;

    [Fact]
    public async Task StreamsA100MbMessageWithoutHoldingItInMemory_WhenSyncing()
    {
        var source = _servers.NewAccount(_servers.Source);
        var destination = _servers.NewAccount(_servers.Destination);
        await _servers.Source.WriteMaildirMessageAsync(source.User, "INBOX", WriteHugeMessageAsync, new DateTimeOffset(2023, 5, 1, 12, 0, 0, TimeSpan.Zero));
        var engine = new NativeImapSyncEngine();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseline = process.WorkingSet64;
        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                await Task.Delay(5);
            }
        });

        var stats = await engine.SyncAsync(new SyncRequest { Source = source, Destination = destination }, new InMemorySyncStateStore());
        await sampling.CancelAsync();
        await sampler;

        Assert.Equal(1, stats.MessagesTransferred);
        Assert.True(stats.BytesTransferred > MessageBytes, $"{stats.BytesTransferred}");
        var snapshotSource = await Mailbox.SnapshotAsync(_servers.Source, source, "INBOX");
        Assert.Equal(snapshotSource, await Mailbox.SnapshotAsync(_servers.Destination, destination, "INBOX"));
        // The requirement is growth under ~2x the message; spooling to disk keeps it well under 1x.
        var growth = peak - baseline;
        Assert.True(growth < MessageBytes, $"working set grew by {growth / 1048576} MB while copying a {MessageBytes / 1048576} MB message");
    }

    [Fact]
    public async Task MessagesWithAttachmentsWaitInTempFilesNotTheHeap_WithTheDefaults()
    {
        // 16 messages of ~1 MB (a mail with an attachment). With the defaults each waits for its APPEND in a spool
        // file; held in memory, each would be a 1 MB large-object-heap array that lives until a full GC.
        const int Count = 16;
        const int Lines = 13_500;
        var source = _servers.NewAccount(_servers.Source);
        var destination = _servers.NewAccount(_servers.Destination);
        for (var i = 0; i < Count; i++)
        {
            var n = i;
            await _servers.Source.WriteMaildirMessageAsync(source.User, "INBOX", stream => WriteAttachmentMessageAsync(stream, n, Lines),
                new DateTimeOffset(2023, 5, 1, 12, 0, 0, TimeSpan.Zero).AddMinutes(i));
        }

        var engine = new NativeImapSyncEngine();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var stats = await engine.SyncAsync(new SyncRequest { Source = source, Destination = destination }, new InMemorySyncStateStore());
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(Count, stats.MessagesTransferred);
        Assert.Equal(await Mailbox.SnapshotAsync(_servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(_servers.Destination, destination, "INBOX"));
        // The whole copy allocates about half the messages' size (8.5 of 16.1 MB when measured); with the bodies in
        // memory (the defaults before 512 KiB) it allocated twice their size (33.4 MB).
        Assert.True(allocated < stats.BytesTransferred,
            $"allocated {allocated / 1048576.0:0.0} MB while copying {stats.BytesTransferred / 1048576.0:0.0} MB");
    }

    [Fact]
    public async Task SmallBodiesWaitInReusedSlabs_NotInAnArrayEach()
    {
        // 400 messages of ~40 KB in batches of 1 MiB: each body waits for its APPEND in a slab that the next batch
        // reuses (BodySlabs). Measured: 5.0 MB allocated for 15.5 MB copied; with an array per body, 19.8 MB.
        const int Count = 400;
        var source = _servers.NewAccount(_servers.Source);
        var destination = _servers.NewAccount(_servers.Destination);
        var line = new string('q', 76) + "\r\n";
        var body = string.Concat(Enumerable.Repeat(line, 520));
        await _servers.Source.SeedMaildirAsync(source.User, "INBOX", Enumerable.Range(0, Count).Select(i => new SeedRawMessage(
            Encoding.ASCII.GetBytes($"From: Ana <ana@example.com>\r\nTo: Bruno <bruno@example.com>\r\nSubject: note {i}\r\n"
                + $"Message-ID: <note-{i}@test.ligbox>\r\nDate: Mon, 1 May 2023 12:00:00 +0000\r\n\r\n{i}\r\n{body}"),
            new DateTimeOffset(2023, 5, 1, 12, 0, 0, TimeSpan.Zero).AddMinutes(i))));

        var engine = new NativeImapSyncEngine(new NativeImapOptions { BatchBytes = 1024 * 1024 });
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var stats = await engine.SyncAsync(new SyncRequest { Source = source, Destination = destination }, new InMemorySyncStateStore());
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(Count, stats.MessagesTransferred);
        Assert.Equal(await Mailbox.SnapshotAsync(_servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(_servers.Destination, destination, "INBOX"));
        Assert.True(allocated < stats.BytesTransferred / 2,
            $"allocated {allocated / 1048576.0:0.0} MB while copying {stats.BytesTransferred / 1048576.0:0.0} MB");
    }

    private static async Task WriteAttachmentMessageAsync(Stream stream, int n, int lines)
    {
        var header = $"From: Ana <ana@example.com>\r\nTo: Bruno <bruno@example.com>\r\nSubject: report {n}\r\n"
            + $"Message-ID: <report-{n}@test.ligbox>\r\nDate: Mon, 1 May 2023 12:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(header));
        var line = Encoding.ASCII.GetBytes(new string((char)('A' + n), 76) + "\r\n");
        for (var i = 0; i < lines; i++)
        {
            await stream.WriteAsync(line);
        }
    }

    private static async Task WriteHugeMessageAsync(Stream stream)
    {
        var header = "From: Ana <ana@example.com>\r\nTo: Bruno <bruno@example.com>\r\nSubject: huge attachment\r\n"
            + "Message-ID: <huge-1@test.ligbox>\r\nDate: Mon, 1 May 2023 12:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(header));
        var line = Encoding.ASCII.GetBytes(new string('A', 76) + "\r\n");
        var block = new byte[line.Length * 1000];
        for (var i = 0; i < 1000; i++)
        {
            line.CopyTo(block, i * line.Length);
        }

        for (long written = 0; written < MessageBytes; written += block.Length)
        {
            await stream.WriteAsync(block);
        }
    }
}
