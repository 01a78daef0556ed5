using System.Text;
using Ligbox.Tools.NativeImap;
using MailKit;
using MimeKit;
using MimeKit.IO;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// The engine appends the fetched bytes as they are (<see cref="RawMessage"/>). These tests write the message the way
/// MailKit's APPEND does (CRLF, EnsureNewLine, a measuring pass, then the real one) and check the bytes.
/// </summary>
public sealed class RawMessageTests
{
    private static FormatOptions AppendFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.EnsureNewLine = true;
        return format;
    }

    private static async Task<(long Measured, byte[] Written)> WriteAsMailKitDoesAsync(MimeMessage message)
    {
        var format = AppendFormat();
        using var measure = new MeasuringStream();
        message.WriteTo(format, measure);
        using var output = new MemoryStream();
        await message.WriteToAsync(format, output);
        var sync = new MemoryStream();
        message.WriteTo(format, sync);
        Assert.Equal(output.ToArray(), sync.ToArray());
        return (measure.Length, output.ToArray());
    }

    [Theory]
    [InlineData("Subject: no newline at the end\r\n\r\nlast line without CRLF")]
    [InlineData("Subject: headers only, no blank line\r\n")]
    [InlineData("Subject: broken multipart\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nno end boundary\r\n")]
    [InlineData("From: =?bogus?Q?x?= <a@b>\r\nSubject:  two  spaces\t and a tab \r\n\r\nbody\r\n")]
    public async Task WritesTheFetchedBytesUnchanged_WhenTheyAreCrlf(string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        using var message = RawMessage.Create(bytes);

        var (measured, written) = await WriteAsMailKitDoesAsync(message);

        Assert.Equal(bytes, written);
        Assert.Equal(bytes.Length, measured);
    }

    [Fact]
    public async Task PutsACarriageReturnBeforeEachBareLineFeed_AndMeasuresTheSameLength()
    {
        var bytes = "Subject: bare\nX: y\r\n\nline one\nline two\r\n\n"u8.ToArray();
        byte previous = 0;
        var bare = RawMessage.CountBareLineFeeds(bytes, ref previous);
        using var message = RawMessage.Create(bytes);

        var (measured, written) = await WriteAsMailKitDoesAsync(message);

        Assert.Equal(4, bare);
        Assert.Equal("Subject: bare\r\nX: y\r\n\r\nline one\r\nline two\r\n\r\n", Encoding.ASCII.GetString(written));
        Assert.Equal(written.Length, measured);
    }

    [Fact]
    public void CountsBareLineFeedsAcrossChunks()
    {
        byte previous = 0;
        // CR at the end of one chunk, its LF at the start of the next: not bare. An LF starting a chunk after a letter: bare.
        Assert.Equal(0, RawMessage.CountBareLineFeeds("a\r\nb\r"u8, ref previous));
        Assert.Equal(0, RawMessage.CountBareLineFeeds("\nc"u8, ref previous));
        Assert.Equal(2, RawMessage.CountBareLineFeeds("\nd\n"u8, ref previous));
        Assert.Equal(0, RawMessage.CountBareLineFeeds([], ref previous));
        Assert.Equal(1, RawMessage.CountBareLineFeeds("\n"u8, ref previous));
    }

    [Fact]
    public async Task WritesASpoolFileWhole_WithBareLineFeedsOnChunkBoundaries()
    {
        // Bigger than the writer's 80 KB chunks: CR at the end of one chunk with its LF at the start of the next,
        // and a bare LF as the first byte of a chunk.
        const int Chunk = 81920;
        var source = new StringBuilder("Subject: big\r\n\r\n");
        var random = new Random(7);
        while (source.Length < 300_000)
        {
            source.Append((char)('a' + random.Next(26)), random.Next(1, 200)).Append(random.Next(4) == 0 ? "\n" : "\r\n");
        }

        source.Append('z', (Chunk - 1 - source.Length % Chunk + Chunk) % Chunk).Append("\r\n");
        source.Append('z', (Chunk - source.Length % Chunk) % Chunk).Append("\nend");
        var sourceBytes = Encoding.ASCII.GetBytes(source.ToString());
        Assert.Equal((byte)'\r', sourceBytes[(sourceBytes.Length / Chunk - 1) * Chunk - 1]);
        Assert.Equal((byte)'\n', sourceBytes[sourceBytes.Length / Chunk * Chunk]);

        using var spool = new SpoolFile();
        foreach (var chunk in sourceBytes.Chunk(4096))
        {
            // As MailKit writes a fetched literal: in pieces.
            spool.Write(chunk);
        }

        spool.Keep().Dispose();
        using var message = RawMessage.Create(spool);
        var (measured, written) = await WriteAsMailKitDoesAsync(message);

        var text = Encoding.ASCII.GetString(written);
        Assert.DoesNotContain("\r\r", text);
        Assert.Equal(sourceBytes.Length + spool.BareLineFeeds, written.Length);
        Assert.Equal(written.Length, measured);
        Assert.Equal(Encoding.ASCII.GetString(sourceBytes).Replace("\r\n", "\n").Replace("\n", "\r\n"), text);
        spool.Release();
    }

    [Fact]
    public async Task APooledMessageWritesTheBytesItWasRentedFor_AndIsReusedAfterItsReturn()
    {
        var pool = new RawMessage.Pool(capacity: 1);
        var first = "Subject: first\r\n\r\none\r\n"u8.ToArray();
        var second = "Subject: second\nbare line feed\n"u8.ToArray();

        var message = pool.Rent(first);
        Assert.Equal(first, (await WriteAsMailKitDoesAsync(message)).Written);
        pool.Return(message);
        Assert.Equal(1, pool.Count);

        var again = pool.Rent(second);
        Assert.Same(message, again);
        Assert.Equal(0, pool.Count);
        var (measured, written) = await WriteAsMailKitDoesAsync(again);
        Assert.Equal("Subject: second\r\nbare line feed\r\n"u8.ToArray(), written);
        Assert.Equal(written.Length, measured);
    }

    [Fact]
    public void ThePoolKeepsNoMoreThanItsCapacity_AndReturnedMessagesLetGoOfTheirBytes()
    {
        var pool = new RawMessage.Pool(capacity: 2);
        var rented = Enumerable.Range(0, 3).Select(i => pool.Rent(Encoding.ASCII.GetBytes($"Subject: {i}\r\n\r\n"))).ToList();
        foreach (var message in rented)
        {
            pool.Return(message);
        }

        Assert.Equal(2, pool.Count);
        // A returned message holds no reference to the caller's bytes (or spool file) until it is rented again.
        Assert.All(rented, m => Assert.False(((RawMessage.RawPart)m.Body!).IsAttached));
    }
}

[Collection(ImapServersCollection.Name)]
public sealed class RawAppendTests(ImapServersFixture servers)
{
    [Fact]
    public async Task CopiesEveryMessageByteExact_WhenTheAppendMessagesAreReusedAcrossGroups()
    {
        // Groups of 2 on one lane: the pool holds 2 messages, so every group after the first reuses them.
        var source = servers.NewAccount(servers.Source);
        var destination = servers.NewAccount(servers.Destination);
        for (var i = 0; i < 9; i++)
        {
            var text = $"From: ana@example.com\r\nMessage-ID: <reuse-{i}@example.com>\r\nSubject: {i}\r\n\r\n{new string((char)('a' + i), 100 * (i + 1))}\r\n";
            await servers.Source.WriteMaildirMessageAsync(source.User, "INBOX", s => s.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask(),
                new DateTimeOffset(2022, 4, 1, 9, 0, 0, TimeSpan.Zero).AddHours(i));
        }

        var engine = new NativeImapSyncEngine(new NativeImapOptions { MultiAppendSize = 2, AppendConnectionsPerMailbox = 1 });
        var stats = await engine.SyncAsync(new SyncRequest { Source = source, Destination = destination }, new InMemorySyncStateStore());

        Assert.Equal(9, stats.MessagesTransferred);
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX"));
    }

    [Fact]
    public async Task CopiesMessagesByteExact_WhenMimeKitWouldRewriteThem()
    {
        // Messages MimeKit's formatting would change: no newline at the end (EnsureNewLine adds one), and a
        // multipart without its closing boundary. The old engine parsed and re-wrote every message.
        var source = servers.NewAccount(servers.Source);
        var destination = servers.NewAccount(servers.Destination);
        string[] messages =
        [
            "From: ana@example.com\r\nMessage-ID: <raw-1@example.com>\r\nSubject: no newline\r\n\r\nlast line without CRLF",
            "From: ana@example.com\r\nMessage-ID: <raw-2@example.com>\r\nSubject: open multipart\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nno end boundary\r\n",
        ];
        var day = 1;
        foreach (var text in messages)
        {
            await servers.Source.WriteMaildirMessageAsync(source.User, "INBOX", s => s.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask(),
                new DateTimeOffset(2022, 3, day++, 9, 0, 0, TimeSpan.Zero));
        }

        var stats = await new NativeImapSyncEngine().SyncAsync(new SyncRequest { Source = source, Destination = destination }, new InMemorySyncStateStore());

        Assert.Equal(2, stats.MessagesTransferred);
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX"));
        using var client = await servers.Destination.ConnectAsync(destination.User, destination.Secret);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var fetched = new List<string>();
        foreach (var summary in await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId))
        {
            await using var stream = await client.Inbox.GetStreamAsync(summary.UniqueId);
            using var reader = new StreamReader(stream, Encoding.ASCII);
            fetched.Add(await reader.ReadToEndAsync());
        }

        Assert.Equal(messages.Order(StringComparer.Ordinal), fetched.Order(StringComparer.Ordinal));
    }
}
