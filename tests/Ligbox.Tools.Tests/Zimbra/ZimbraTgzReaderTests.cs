using System.Text;
using Ligbox.Testing.Zimbra;
using Ligbox.Tools.Tests.Support;
using Ligbox.Tools.Zimbra;

namespace Ligbox.Tools.Tests.Zimbra;

public class ZimbraTgzReaderTests
{
    private static string Sample => TestPaths.SharedTestData("zimbra", "ZimbraSample.tgz");

    [Fact]
    public async Task The_real_sample_holds_16_folders_2_sent_messages_and_2_contacts()
    {
        var items = await ReadAllAsync(File.OpenRead(Sample));

        Assert.Equal(16, items.Count(i => i.Type == ZimbraItemType.Folder));
        var messages = items.Where(i => i.Type == ZimbraItemType.Message).ToList();
        Assert.Equal(2, messages.Count);
        Assert.All(messages, m =>
        {
            Assert.Equal("Sent", m.Meta!.FolderPath);
            Assert.Equal(ZimbraFlags.Sent, m.Meta.Flags);
            Assert.Null(m.Problem);
            Assert.Equal(m.Meta.Size, m.ContentLength);
            Assert.StartsWith("Sent/", m.ContentEntryName);
            Assert.Equal("message", m.TarGroup);
        });
        Assert.Equal([DateTimeOffset.FromUnixTimeSeconds(1562075806), DateTimeOffset.FromUnixTimeSeconds(1562655467)],
            messages.Select(m => m.Meta!.Date).Order());
        Assert.Contains(messages, m => m.Content!.Contains("Subject: Test"));

        var contacts = items.Where(i => i.Type == ZimbraItemType.Contact).ToList();
        Assert.Equal(2, contacts.Count);
        Assert.All(contacts, c => Assert.Null(c.ContentEntryName));
        Assert.Contains(contacts, c => c.Meta!.Metadata!.Contains("admin@zimbratest.com"));
    }

    [Fact]
    public async Task A_generated_export_reads_back_folder_by_meta_Path_not_by_split_tar_directory()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("gen.tgz");
        var generated = ZimbraTgzGenerator.WriteFile(path);
        Assert.Contains("Inbox!1", generated.TarDirectories);
        Assert.Contains("Inbox!3", generated.TarDirectories);
        Assert.Contains("Sent!2", generated.TarDirectories);

        var items = await ReadAllAsync(File.OpenRead(path));

        var messages = items.Where(i => i.Type == ZimbraItemType.Message).ToList();
        Assert.Equal(5000, messages.Count);
        var counts = messages.GroupBy(m => m.Meta!.FolderPath).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1200, counts["Inbox"]);
        Assert.Equal(800, counts["Sent"]);
        Assert.Equal(600, counts["Inbox/Projetos"]);
        Assert.Equal(300, counts["Inbox/Projetos/2024"]);
        Assert.Equal(900, counts["Arquivo/Relatórios"]);
        Assert.Equal(500, counts["Clientes/Ações"]);
        Assert.Equal(generated.CountsByFolder.OrderBy(c => c.Key), counts.OrderBy(c => c.Key));
        Assert.Contains(messages, m => m.ContentEntryName!.StartsWith("Inbox!2/", StringComparison.Ordinal) && m.Meta!.FolderPath == "Inbox");

        // Flags, dates and tags as generated, message by message.
        var byId = generated.Messages.ToDictionary(m => m.Id);
        foreach (var item in messages)
        {
            var expected = byId[item.Meta!.Id];
            Assert.Equal(ZimbraFlagString.Parse(expected.FlagStr), item.Meta.Flags);
            Assert.Equal(expected.Date, item.Meta.Date);
            Assert.Equal(expected.Tags, item.Meta.Tags);
        }

        foreach (var letter in "ufrwdsax!?")
        {
            Assert.Contains(messages, m => m.Meta!.FlagStr.Contains(letter));
        }

        Assert.Contains(messages, m => m.Meta!.Tags.Contains("Cliente, VIP"));

        // The truncated entry is reported, the others are whole.
        var truncated = Assert.Single(messages, m => m.IsTruncated);
        Assert.Equal(byId.Values.Single(m => m.Truncated).Id, truncated.Meta!.Id);
        Assert.StartsWith("truncated:", truncated.Problem);
        Assert.Single(messages, m => m.Problem is not null);

        Assert.Equal(3, items.Count(i => i.Type == ZimbraItemType.Contact));
        Assert.Equal(2, items.Count(i => i.Type == ZimbraItemType.Appointment && i.Content is not null));
        Assert.Equal(1, items.Count(i => i.Type == ZimbraItemType.Task));
        Assert.Equal(1, items.Count(i => i.Type == ZimbraItemType.Document));
    }

    [Fact]
    public async Task The_message_without_Message_ID_is_still_a_message()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("gen.tgz");
        var generated = ZimbraTgzGenerator.WriteFile(path, new ZimbraTgzSpec { Folders = [new("Inbox", 20)], WithoutMessageId = 7, TruncatedMessage = 0 });
        var withoutId = generated.Messages.Single(m => m.MessageId is null);

        var items = await ReadAllAsync(File.OpenRead(path));

        var item = Assert.Single(items, i => i.Meta?.Id == withoutId.Id);
        Assert.Null(item.Problem);
        Assert.DoesNotContain("Message-ID", item.Content!);
        Assert.Contains("Subject:", item.Content!);
    }

    [Fact]
    public async Task Reading_is_streaming_progress_counts_compressed_bytes_on_a_non_seekable_stream()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("gen.tgz");
        ZimbraTgzGenerator.WriteFile(path, new ZimbraTgzSpec { Folders = [new("Inbox", 300)], BodyBytes = 4000 });
        var length = new FileInfo(path).Length;

        await using var reader = new ZimbraTgzReader(new NonSeekableStream(File.OpenRead(path)));
        var progress = new List<long>();
        while (await reader.ReadNextAsync() is { } item)
        {
            if (item.Content is not null)
            {
                await item.Content.CopyToAsync(Stream.Null);
            }

            progress.Add(reader.BytesRead);
        }

        Assert.True(progress.Count > 300);
        Assert.True(progress[0] < length / 2, $"the first item came after {progress[0]} of {length} bytes: not streamed");
        Assert.Equal(progress.Order(), progress);
        Assert.Equal(length, reader.BytesRead);
    }

    [Fact]
    public async Task A_file_cut_in_the_middle_fails_in_plain_words_after_the_good_items()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("gen.tgz");
        ZimbraTgzGenerator.WriteFile(path, new ZimbraTgzSpec { Folders = [new("Inbox", 400)], BodyBytes = 2000 });
        var bytes = await File.ReadAllBytesAsync(path);
        var cut = bytes[..(bytes.Length / 2)];

        await using var reader = new ZimbraTgzReader(new MemoryStream(cut));
        var read = 0;
        var e = await Assert.ThrowsAsync<ZimbraTgzException>(async () =>
        {
            while (await reader.ReadNextAsync() is { } item)
            {
                if (item.Content is not null)
                {
                    await item.Content.CopyToAsync(Stream.Null);
                }

                read++;
            }
        });

        Assert.True(read > 50, $"only {read} items before the cut");
        Assert.Equal(ZimbraTgzDamage.Truncated, e.Damage);
        Assert.Contains("ends early", e.Message);
    }

    [Fact]
    public async Task Damaged_gzip_data_is_a_gzip_fault()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("gen.tgz");
        ZimbraTgzGenerator.WriteFile(path, new ZimbraTgzSpec { Folders = [new("Inbox", 200)] });
        var bytes = await File.ReadAllBytesAsync(path);
        for (var i = 2000; i < 2400; i++)
        {
            bytes[i] ^= 0x5a;
        }

        await using var reader = new ZimbraTgzReader(new MemoryStream(bytes));
        var e = await Assert.ThrowsAsync<ZimbraTgzException>(async () =>
        {
            while (await reader.ReadNextAsync() is { } item)
            {
                if (item.Content is not null)
                {
                    await item.Content.CopyToAsync(Stream.Null);
                }
            }
        });
        Assert.Contains(e.Damage, new[] { ZimbraTgzDamage.Gzip, ZimbraTgzDamage.Tar });
    }

    internal static async Task<List<ReadItem>> ReadAllAsync(Stream stream)
    {
        var items = new List<ReadItem>();
        await using var reader = new ZimbraTgzReader(stream);
        while (await reader.ReadNextAsync() is { } item)
        {
            string? content = null;
            if (item.Content is not null)
            {
                using var text = new StreamReader(item.Content, Encoding.UTF8, leaveOpen: true);
                content = await text.ReadToEndAsync();
            }

            items.Add(new ReadItem(item.Type, item.Meta, item.Problem, item.ContentEntryName, item.ContentLength, item.TarGroup, item.IsTruncated, content));
        }

        return items;
    }

    internal sealed record ReadItem(ZimbraItemType Type, ZimbraMeta? Meta, string? Problem, string? ContentEntryName, long ContentLength, string? TarGroup, bool IsTruncated, string? Content);

    private sealed class NonSeekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
