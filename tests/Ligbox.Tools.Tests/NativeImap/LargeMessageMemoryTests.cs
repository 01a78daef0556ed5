using System.Diagnostics;
using System.Text;
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
