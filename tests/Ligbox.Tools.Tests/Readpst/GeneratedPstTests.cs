using System.Text;
using Ligbox.Testing.Pst;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Readpst;
using Ligbox.Tools.Tests.Support;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Ligbox.Tools.Tests.Readpst;

/// <summary>
/// The test PST writer (<see cref="PstFileWriter"/>, used by the 2 GB PST benchmark) against the real readpst: what it
/// writes is read back whole, in the right folders, for every way a value is stored (in the heap, in a subnode of one
/// block, an XBLOCK, an XXBLOCK) and with B-trees of several levels.
/// </summary>
public class GeneratedPstTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ReadpstRunner _runner = new(new CliWrapProcessRunner(), Options.Create(new ReadpstSettings()));

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ReadpstReadsEveryMessageInItsFolder_WithBodiesFromTheHeapToAnXXBlock()
    {
        var path = _temp.Combine("generated.pst");
        var date = new DateTimeOffset(2026, 11, 30, 9, 15, 0, TimeSpan.Zero);
        var bodies = new Dictionary<string, string>
        {
            ["heap"] = "Short body: it fits the heap.",
            ["one block"] = Text(3_000, 'a'),     // 6,000 bytes in UTF-16: a subnode of one block
            ["xblock"] = Text(100_000, 'b'),      // 200,000 bytes: 25 blocks under an XBLOCK
            ["xxblock"] = Text(4_500_000, 'c'),   // 9 MB: more than one XBLOCK holds (8.3 MB), so an XXBLOCK
        };
        using (var writer = new PstFileWriter(path, "Ana's archive"))
        {
            var inbox = writer.AddFolder("Inbox");
            var projects = writer.AddFolder("Projects");
            var nested = writer.AddFolder("2026", projects);
            foreach (var (subject, body) in bodies)
            {
                writer.AddMessage(inbox, new PstMessage(subject, "bob@example.com", "ana@example.com", date, body, Read: subject != "heap"));
            }

            writer.AddMessage(nested, new PstMessage("Nested", "carl@example.com", "ana@example.com", date, "In Projects/2026."));
            // Enough messages for a node B-tree of two levels (15 entries a leaf) and a block B-tree of three (20 a leaf).
            for (var i = 0; i < 500; i++)
            {
                writer.AddMessage(projects, new PstMessage($"Bulk {i}", "dora@example.com", "ana@example.com", date.AddMinutes(i), $"Message number {i}.\r\n" + Text(2_000, 'd')));
            }

            writer.Complete();
        }

        var result = await _runner.ExtractAsync(path, _temp.Combine("out"));

        Assert.True(result.Succeeded, result.ErrorMessage);
        var counts = result.Items.GroupBy(i => i.Folder).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}:{g.Count()}");
        Assert.Equal("Ana's archive/Inbox:4;Ana's archive/Projects:500;Ana's archive/Projects/2026:1", string.Join(';', counts));
        var inboxMessages = result.Items.Where(i => i.Folder == "Ana's archive/Inbox").Select(i => MimeMessage.Load(i.FullPath)).ToList();
        foreach (var (subject, body) in bodies)
        {
            var message = Assert.Single(inboxMessages, m => m.Subject == subject);
            Assert.Equal(body.ReplaceLineEndings("\n").TrimEnd(), (message.TextBody ?? "").ReplaceLineEndings("\n").TrimEnd());
            Assert.Equal("bob@example.com", message.From.Mailboxes.Single().Address);
            Assert.Equal(date, message.Date);
        }

        var bulk = result.Items.Where(i => i.Folder == "Ana's archive/Projects").Select(i => MimeMessage.Load(i.FullPath).Subject ?? "").ToHashSet();
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"Bulk {i}").ToHashSet(), bulk);
    }

    [Fact]
    public async Task ReadpstReportsTheFolderCounts_ThatTheWriterStored()
    {
        var path = _temp.Combine("counts.pst");
        using (var writer = new PstFileWriter(path))
        {
            var inbox = writer.AddFolder("Inbox");
            for (var i = 0; i < 7; i++)
            {
                writer.AddMessage(inbox, new PstMessage($"m{i}", "a@example.com", "b@example.com", DateTimeOffset.UnixEpoch.AddDays(20_000 + i), "x", Read: i % 2 == 0));
            }

            Assert.Equal(7, inbox.Messages);
            writer.Complete();
        }

        var live = new List<ReadpstProgress>();
        var result = await _runner.ExtractAsync(path, _temp.Combine("out"), live.Add);

        Assert.True(result.Succeeded, result.ErrorMessage);
        Assert.Contains(live, p => p.Kind == ReadpstProgressKind.FolderCompleted && p.Folder == "Inbox" && p.ItemsDone == 7);
    }

    private static string Text(int length, char seed)
    {
        var builder = new StringBuilder(length);
        var line = 0;
        while (builder.Length < length)
        {
            builder.Append(seed).Append(" line ").Append(line++).Append(" of generated text for the PST writer test.\r\n");
        }

        return builder.ToString(0, length);
    }
}
