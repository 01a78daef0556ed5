using System.Collections.Concurrent;
using Ligbox.Testing.Dovecot;
using Ligbox.Tools.ImapAppend;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Tests.NativeImap;
using MailKit;
using MailKit.Search;
using MimeKit;

namespace Ligbox.Tools.Tests.ImapAppend;

/// <summary>MULTIAPPEND batches over several connections into a real Dovecot: bounds, content, and the per-message fallback.</summary>
public sealed class AppendPipelineTests(AppendPipelineTests.Servers servers) : IClassFixture<AppendPipelineTests.Servers>
{
    [Fact]
    public async Task Batches_are_multiappended_over_parallel_connections_keeping_bytes_read_state_and_dates()
    {
        var account = servers.NewAccount(servers.Plain);
        var messages = Messages(Enumerable.Range(0, 120).Select(i => i % 7 * 1500).ToList());
        var expected = StoredForm(messages);
        var import = new Import(new ImapAppendOptions { MultiAppendSize = 25, AppendConnections = 3 });

        var (folder, count, name) = await import.RunAsync(account, "Imported PST", "Projects 2019", messages);

        Assert.Equal((120, 120, 0, 120), (folder.Parsed, folder.Appended, folder.Quarantined, count));
        // 120 messages in groups of 25: 5 APPEND commands, not 120.
        Assert.Equal(5, import.Commands.Count("APPEND"));
        Assert.Equal("Imported PST/Projects 2019", name);
        // One progress report per offered message and one per appended batch.
        Assert.Equal(125, import.Changes);
        await AssertStoredAsIn(servers.Plain, account, name, expected, expectedUnread: 40);
    }

    [Fact]
    public async Task Batches_are_bounded_in_bytes_and_large_messages_wait_in_temp_files()
    {
        var account = servers.NewAccount(servers.Plain);
        // Ten ~100 KB messages, then one of ~600 KB; batches of at most 256 KB, spooled above 64 KB.
        var messages = Messages([.. Enumerable.Repeat(100_000, 10), 600_000]);
        var expected = StoredForm(messages);
        var import = new Import(new ImapAppendOptions { MultiAppendSize = 50, BatchBytes = 256 * 1024, LargeMessageBytes = 64 * 1024, AppendConnections = 2 });

        var (folder, _, name) = await import.RunAsync(account, "Imported PST", "Big", messages);

        Assert.Equal(11, folder.Appended);
        // Two ~100 KB messages per batch (a third would pass 256 KB), the 600 KB one alone: 6 APPENDs.
        Assert.Equal(6, import.Commands.Count("APPEND"));
        await AssertStoredAsIn(servers.Plain, account, name, expected, expectedUnread: 4);
    }

    [Fact]
    public async Task A_batch_rejected_over_quota_is_appended_one_by_one_and_only_the_message_that_does_not_fit_is_quarantined()
    {
        var account = servers.NewAccount(servers.Quota);
        // The 60 KB quota takes the eight small messages but not the 80 KB one in the middle of the batch.
        var messages = Messages([1000, 1000, 1000, 1000, 80_000, 1000, 1000, 1000, 1000]);
        var import = new Import(new ImapAppendOptions { MultiAppendSize = 50, AppendConnections = 1 });

        var (folder, count, _) = await import.RunAsync(account, null, "Inbox", messages);

        Assert.Equal((9, 8, 1, 8), (folder.Parsed, folder.Appended, folder.Quarantined, count));
        // One MULTIAPPEND of the nine, refused as a whole, then nine single APPENDs.
        Assert.Equal(10, import.Commands.Count("APPEND"));
        Assert.Equal(8, await servers.Quota.CountMessagesAsync(account.User, "INBOX"));
        var entry = Assert.Single(import.Quarantine);
        Assert.Equal("mbox message 4", entry.Subject);
        Assert.Contains("quota", entry.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.True(entry.Bytes > 80_000, "the whole message goes to the quarantine");

        using var client = await servers.Quota.ConnectAsync(account.User, account.Secret);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var subjects = (await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope)).Select(s => s.Envelope!.Subject).Order(StringComparer.Ordinal);
        Assert.Equal(Enumerable.Range(0, 9).Where(i => i != 4).Select(i => $"mbox message {i}"), subjects);

        // Offering them again adds nothing and tries the one that did not fit again (still over quota).
        var again = new Import(new ImapAppendOptions { MultiAppendSize = 50, AppendConnections = 1 });
        var (second, _, _) = await again.RunAsync(account, null, "Inbox", messages);
        Assert.Equal((8, 0, 1), (second.Skipped, second.Appended, second.Quarantined));
    }

    [Fact]
    public async Task A_login_the_destination_refuses_is_an_ImapAppendException_in_plain_words()
    {
        var account = servers.NewAccount(servers.Plain) with { Secret = "wrong" };
        var options = new ImapAppendOptions();

        var error = await Assert.ThrowsAsync<ImapAppendException>(() => AppendDestination.ConnectAsync(options.CreateConnector(new ImapCommandCounter()), account, null, default));

        Assert.Contains(account.User, error.Message, StringComparison.Ordinal);
        Assert.True(char.IsUpper(error.Message[0]) && error.Message.EndsWith('.'), error.Message);
    }

    /// <summary>One message per entry (body bytes), as an mbox holds them: every third one unread (<c>Status: O</c>).</summary>
    private static List<MimeMessage> Messages(IReadOnlyList<int> bodySizes) => bodySizes.Select((size, i) =>
    {
        var message = TestMessages.Create($"mbox message {i}", bodyBytes: size);
        message.Headers.Add("Status", i % 3 == 0 ? "O" : "RO");
        return message;
    }).ToList();

    /// <summary>What the server must store for each message: written independently, without the Status header, with CRLF.</summary>
    private static Dictionary<string, byte[]> StoredForm(IEnumerable<MimeMessage> messages)
    {
        var stored = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            using var copy = MimeMessage.Load(new MemoryStream(TestMessages.ToBytes(message)));
            copy.Headers.RemoveAll("Status");
            stored.Add(copy.MessageId!, TestMessages.ToBytes(copy));
        }

        return stored;
    }

    /// <summary>Every message is in the folder exactly once, byte for byte, with the read state of its Status header and its Date as INTERNALDATE.</summary>
    private static async Task AssertStoredAsIn(DovecotServer server, ImapEndpoint account, string folderName, Dictionary<string, byte[]> expected, int expectedUnread)
    {
        using var client = await server.ConnectAsync(account.User, account.Secret);
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

    private sealed class Folder : AppendFolderCounts;

    private sealed record Quarantined(string? Subject, string Reason, long Bytes);

    /// <summary>One import the way Core's importer drives the pipeline: one producer offering the messages of one folder.</summary>
    private sealed class Import(ImapAppendOptions options)
    {
        private readonly object _sync = new();

        public ImapCommandCounter Commands { get; } = new();

        public ConcurrentQueue<Quarantined> Quarantine { get; } = new();

        public int Changes { get; private set; }

        public async Task<(Folder Folder, int Count, string Name)> RunAsync(ImapEndpoint account, string? root, string sourceFolder, IReadOnlyList<MimeMessage> messages)
        {
            using var destination = await AppendDestination.ConnectAsync(options.CreateConnector(Commands), account, root, default);
            var target = await destination.OpenAsync(sourceFolder, default);
            var folder = new Folder();
            await AppendPipeline<Folder>.RunAsync(destination, options, async (message, _, reason, ct) =>
            {
                using var bytes = new MemoryStream();
                await message.CopyToAsync(bytes, ct);
                Quarantine.Enqueue(new Quarantined(message.Subject, reason, bytes.Length));
            }, _sync, () => Changes++, async (pipeline, ct) =>
            {
                foreach (var message in messages)
                {
                    await pipeline.OfferAsync(target, folder, message, ct);
                }
            }, default);
            return (folder, await destination.CountAsync(target, default), target.FullName);
        }
    }

    /// <summary>A plain Dovecot and one whose users have a 60 KB storage quota.</summary>
    public sealed class Servers : IAsyncLifetime
    {
        public DovecotServer Plain { get; } = new();

        public DovecotServer Quota { get; } = new(new DovecotServerOptions { QuotaStorage = "60k" });

        public Task InitializeAsync() => Task.WhenAll(Plain.StartAsync(), Quota.StartAsync());

        public Task DisposeAsync()
        {
            Plain.Dispose();
            Quota.Dispose();
            return Task.CompletedTask;
        }

        public ImapEndpoint NewAccount(DovecotServer server) => TestAccounts.New(server, "append");
    }
}
