using Ligbox.Core.Pst;
using Ligbox.Testing.Dovecot;
using MailKit;
using MailKit.Search;
using MimeKit;

namespace Ligbox.Core.Tests.Pst;

/// <summary>MULTIAPPEND batches over several connections into a real Dovecot: bounds, content, and the per-message fallback.</summary>
public sealed class PstBatchAppendTests(PlainDovecot plain, TinyQuotaDovecot quota) : IClassFixture<PlainDovecot>, IClassFixture<TinyQuotaDovecot>
{
    [Fact]
    public async Task Batches_are_multiappended_over_parallel_connections_keeping_bytes_read_state_and_dates()
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(plain.Server);
        var mbox = Path.Combine(work.Root, "Projects 2019.mbox");
        PstTestSupport.WriteMbox(mbox, Enumerable.Range(0, 120).Select(i => i % 7 * 1500).ToList());
        var importer = PstTestSupport.CreateImporter(new PstImportOptions { MultiAppendSize = 25, AppendConnections = 3 });

        var stats = await importer.ImportAsync(work.Request(mbox, PstTestSupport.Endpoint(plain.Server, user)));

        var folder = Assert.Single(stats.Folders);
        Assert.Equal((120, 120, 0, 120), (folder.Parsed, folder.Appended, folder.Quarantined, folder.DestinationMessages!.Value));
        // 120 messages in groups of 25: 5 APPEND commands, not 120.
        Assert.Equal(5, importer.Commands.Count("APPEND"));
        await AssertStoredAsIn(plain.Server, user, folder.Destination, mbox, expectedUnread: 40);
    }

    [Fact]
    public async Task Batches_are_bounded_in_bytes_and_large_messages_wait_in_temp_files()
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(plain.Server);
        var mbox = Path.Combine(work.Root, "Big.mbox");
        // Ten ~100 KB messages, then one of ~600 KB; batches of at most 256 KB, spooled above 64 KB.
        PstTestSupport.WriteMbox(mbox, [.. Enumerable.Repeat(100_000, 10), 600_000]);
        var importer = PstTestSupport.CreateImporter(new PstImportOptions
        {
            MultiAppendSize = 50, BatchBytes = 256 * 1024, LargeMessageBytes = 64 * 1024, AppendConnections = 2,
        });

        var stats = await importer.ImportAsync(work.Request(mbox, PstTestSupport.Endpoint(plain.Server, user)));

        Assert.Equal(11, stats.Appended);
        // Two ~100 KB messages per batch (a third would pass 256 KB), the 600 KB one alone: 6 APPENDs.
        Assert.Equal(6, importer.Commands.Count("APPEND"));
        await AssertStoredAsIn(plain.Server, user, "Imported PST/Big", mbox, expectedUnread: 4);
    }

    [Fact]
    public async Task A_batch_rejected_over_quota_is_appended_one_by_one_and_only_the_message_that_does_not_fit_is_quarantined()
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(quota.Server);
        var mbox = Path.Combine(work.Root, "Inbox.mbox");
        // The 60 KB quota takes the eight small messages but not the 80 KB one in the middle of the batch.
        PstTestSupport.WriteMbox(mbox, [1000, 1000, 1000, 1000, 80_000, 1000, 1000, 1000, 1000]);
        var importer = PstTestSupport.CreateImporter(new PstImportOptions { MultiAppendSize = 50, AppendConnections = 1 });

        var stats = await importer.ImportAsync(work.Request(mbox, PstTestSupport.Endpoint(quota.Server, user)));

        var folder = Assert.Single(stats.Folders);
        Assert.Equal((9, 8, 1, 8), (folder.Parsed, folder.Appended, folder.Quarantined, folder.DestinationMessages!.Value));
        // One MULTIAPPEND of the nine, refused as a whole, then nine single APPENDs.
        Assert.Equal(10, importer.Commands.Count("APPEND"));
        Assert.Equal(8, await quota.Server.CountMessagesAsync(user, "INBOX"));
        var quarantineDir = Path.Combine(work.Root, "quarantine");
        var entry = Assert.Single(QuarantineWriter.Read(quarantineDir));
        Assert.Equal("mbox message 4", entry.Subject);
        Assert.Contains("quota", entry.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.True(new FileInfo(QuarantineWriter.EmlPath(quarantineDir, entry.Number)).Length > 80_000, "the whole message is kept in the quarantine");

        using var client = await quota.Server.ConnectAsync(user, "secret-" + user);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var subjects = (await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope)).Select(s => s.Envelope!.Subject).Order(StringComparer.Ordinal);
        Assert.Equal(Enumerable.Range(0, 9).Where(i => i != 4).Select(i => $"mbox message {i}"), subjects);

        // Re-importing adds nothing and tries the one that did not fit again (still over quota).
        var again = await importer.ImportAsync(work.Request(mbox, PstTestSupport.Endpoint(quota.Server, user)));
        Assert.Equal((8, 0, 1), (again.Skipped, again.Appended, again.Quarantined));
    }

    /// <summary>
    /// Every message of the mbox is in the folder exactly once, byte for byte as an independent plain parse
    /// of the file writes it (Status removed, CRLF), with the read state of its Status header and its Date as INTERNALDATE.
    /// </summary>
    private static async Task AssertStoredAsIn(DovecotServer server, string user, string folderName, string mbox, int expectedUnread)
    {
        var expected = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using (var stream = File.OpenRead(mbox))
        {
            var parser = new MimeParser(stream, MimeFormat.Mbox);
            while (!parser.IsEndOfStream)
            {
                using var message = parser.ParseMessage();
                message.Headers.RemoveAll("Status");
                using var bytes = new MemoryStream();
                message.WriteTo(PstMessage.Format, bytes);
                expected.Add(message.MessageId!, bytes.ToArray());
            }
        }

        using var client = await server.ConnectAsync(user, "secret-" + user);
        var folder = await client.GetFolderAsync(folderName);
        await folder.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await folder.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.InternalDate);
        Assert.Equal(expected.Count, summaries.Count);
        Assert.Equal(expectedUnread, (await folder.SearchAsync(SearchQuery.NotSeen)).Count);
        foreach (var summary in summaries)
        {
            Assert.Equal(summary.Envelope!.Date!.Value.ToUnixTimeSeconds(), summary.InternalDate!.Value.ToUnixTimeSeconds());
            await using var stored = await folder.GetStreamAsync(summary.UniqueId);
            using var copy = new MemoryStream();
            await stored.CopyToAsync(copy);
            Assert.True(expected.Remove(summary.Envelope.MessageId!, out var want), $"unexpected or duplicate message {summary.Envelope.MessageId}");
            Assert.Equal(want, copy.ToArray());
        }

        Assert.Empty(expected);
    }
}
