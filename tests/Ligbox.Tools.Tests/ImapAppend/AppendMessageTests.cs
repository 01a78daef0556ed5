using System.Text;
using Ligbox.Testing.Pst;
using Ligbox.Tools.ImapAppend;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Readpst;
using Ligbox.Tools.Tests.Support;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Ligbox.Tools.Tests.ImapAppend;

/// <summary>
/// A message file is appended as its bytes, without a MIME parse: those bytes must be what parsing it, removing its
/// bookkeeping headers and writing it with MailKit's formatting gave (byte for byte), for everything readpst writes.
/// </summary>
public sealed class AppendMessageTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_bytes_appended_for_every_message_readpst_writes_are_those_of_the_parsed_message()
    {
        var readpst = new ReadpstRunner(new CliWrapProcessRunner(), Options.Create(new ReadpstSettings()));
        var generated = _temp.Combine("generated.pst");
        using (var writer = new PstFileWriter(generated))
        {
            var inbox = writer.AddFolder("Inbox");
            writer.AddMessage(inbox, new PstMessage("Unread, long lines", "a@example.com", "b@example.com", DateTimeOffset.UnixEpoch.AddDays(20_000),
                string.Join("\r\n", Enumerable.Range(0, 200).Select(i => new string((char)('a' + (i % 26)), 150))), Read: false));
            writer.AddMessage(inbox, new PstMessage("Read, acentuação", "a@example.com", "b@example.com", DateTimeOffset.UnixEpoch.AddDays(20_001), "Olá, reunião às 10h.\r\n\r\nFrom here on.\r\n"));
            writer.Complete();
        }

        var files = new List<string>();
        foreach (var pst in new[] { "Outlook_1.pst", "attachAndInline.pst", "passwordprotectedPST.pst" }.Select(p => TestPaths.SharedTestData("pst", p)).Append(generated))
        {
            var result = await readpst.ExtractAsync(pst, _temp.Combine(Path.GetFileNameWithoutExtension(pst)));
            Assert.True(result.Succeeded, result.ErrorMessage);
            files.AddRange(result.Items.Where(i => i.Kind == ReadpstItemKind.Email).Select(i => i.FullPath));
        }

        Assert.True(files.Count >= 30, $"{files.Count} messages");
        Assert.Contains(files, f => File.ReadAllText(f).Contains("\nStatus: RO", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(Parsed(bytes).AsSpan().SequenceEqual(AppendMessage.ForAppend(bytes)), $"{file} differs from its parsed form");
            // What the appender sends: the header cleaned in memory, the rest streamed from the file, and its measured
            // length (MailKit's first pass) the length of what it writes.
            Assert.Equal(AppendMessage.ForAppend(bytes), await SentAsync(file));
        }
    }

    [Theory]
    [InlineData("Subject: a\nStatus: RO\n\nbody\nno newline at the end")]
    [InlineData("Subject: only a header\nStatus: O\n")]
    [InlineData("Subject: only a header, no newline")]
    [InlineData("Subject: b\r\nX-Status: F\r\n\r\n\nstarts with an empty line\r\n")]
    [InlineData("Subject: c\n\nends with a lone CR\r")]
    public async Task A_message_file_sends_what_its_bytes_give_however_it_ends(string message)
    {
        var path = _temp.Combine("m.eml");
        await File.WriteAllTextAsync(path, message);

        Assert.Equal(AppendMessage.ForAppend(Encoding.UTF8.GetBytes(message)), await SentAsync(path));
    }

    [Fact]
    public async Task A_large_message_file_is_sent_from_the_file_with_only_its_header_in_memory()
    {
        var path = _temp.Combine("large.eml");
        var body = string.Concat(Enumerable.Range(0, 60_000).Select(i => $"line {i} of a large body\n"));
        await File.WriteAllTextAsync(path, "Subject: large\nStatus: RO\nMessage-ID: <large@example.com>\n\n" + body);

        var sent = await SentAsync(path, largeMessageBytes: 64 * 1024);

        Assert.True(sent.Length > 1_500_000);
        Assert.Equal(AppendMessage.ForAppend(await File.ReadAllBytesAsync(path)), sent);
    }

    /// <summary>What an appender sends for the file (asynchronously, as MailKit writes), checked against MailKit's measuring pass.</summary>
    private static async Task<byte[]> SentAsync(string path, long largeMessageBytes = 2 * 1024 * 1024)
    {
        using var message = await AppendMessage.FromFileAsync(path, largeMessageBytes, default);
        var loaded = message.Load();
        using var measure = new MimeKit.IO.MeasuringStream();
        loaded.WriteTo(AppendMessage.Format, measure);
        using var output = new MemoryStream();
        await loaded.WriteToAsync(AppendMessage.Format, output);
        message.Release();
        Assert.Equal(output.Length, measure.Length);
        return output.ToArray();
    }

    [Theory]
    [InlineData("Subject: a\nStatus: RO\nX-Status: A\n F\nFrom: x@example.com\n\nbody\nlast line without newline")]
    [InlineData("Subject: b\r\nstatus : O\r\nX-Mailer: y\r\n\tfolded\r\n\r\nStatus: RO in the body stays\r\n")]
    [InlineData("Subject: c\n\n\nbody with a bare\rCR and\r\nmixed\nendings\n")]
    public void Bookkeeping_headers_go_every_line_ends_with_CRLF_and_the_last_line_gets_one(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);

        var appended = AppendMessage.ForAppend(bytes);

        Assert.Equal(Encoding.UTF8.GetString(Parsed(bytes)), Encoding.UTF8.GetString(appended));
        Assert.DoesNotContain("\nStatus:", Encoding.UTF8.GetString(appended).Split("\r\n\r\n")[0], StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// What the append sent before: the file parsed, Status and X-Status removed, written with MailKit's formatting.
    /// One difference is allowed: MimeKit takes the "&gt;From " line that readpst puts first in an embedded message
    /// for its mbox marker and writes it with a bare LF; the bytes appended now end it with CRLF like every other line
    /// (an IMAP literal's lines end with CRLF).
    /// </summary>
    private static byte[] Parsed(byte[] bytes)
    {
        var parsed = MimeKitWrites(bytes);
        var text = Encoding.Latin1.GetString(parsed);
        var fixedMarkers = System.Text.RegularExpressions.Regex.Replace(text, "(?m)^(>?From [^\r\n]*)(?<!\r)\n", "$1\r\n");
        return Encoding.Latin1.GetBytes(fixedMarkers);
    }

    private static byte[] MimeKitWrites(byte[] bytes)
    {
        using var message = MimeMessage.Load(new MemoryStream(bytes, writable: false), persistent: true);
        message.Headers.RemoveAll("Status");
        message.Headers.RemoveAll("X-Status");
        using var output = new MemoryStream();
        message.WriteTo(AppendMessage.Format, output);
        return output.ToArray();
    }
}
