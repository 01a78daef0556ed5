using System.IO.Compression;
using Ligbox.Core.Pst;
using Ligbox.Core.Tests.Pst;
using Ligbox.Core.Zimbra;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Zimbra;
using MailKit;
using MailKit.Search;

namespace Ligbox.Core.Tests.Zimbra;

/// <summary>The real Zimbra sample and generated exports (written from the format facts) imported into a real Dovecot.</summary>
public sealed class ZimbraImporterTests(PlainDovecot fixture) : IClassFixture<PlainDovecot>, IDisposable
{
    private readonly DovecotServer _dovecot = fixture.Server;
    private readonly string _root = Directory.CreateTempSubdirectory("ligbox-zimbra-").FullName;

    public static string Sample()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
            {
                var path = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata", "zimbra", "ZimbraSample.tgz"));
                return File.Exists(path) ? path : throw new FileNotFoundException($"Shared test data is missing: '{path}'.", path);
            }
        }

        throw new InvalidOperationException("Ligbox.slnx not found.");
    }

    [Fact]
    public async Task The_real_sample_puts_2_messages_in_Sent_with_dates_and_flags_and_offers_2_contacts_as_vCard()
    {
        var user = PstTestSupport.NewUser(_dovecot);

        var stats = await new ZimbraImporter(TimeProvider.System).ImportAsync(Request(Sample(), user));

        var sent = Assert.Single(stats.Folders);
        Assert.Equal("Sent", sent.Source);
        Assert.Equal("Sent", sent.Destination);
        Assert.Equal(2, sent.Appended);
        Assert.Equal(2, sent.DestinationMessages);
        Assert.Equal(2, await _dovecot.CountMessagesAsync(user, "Sent"));
        Assert.Equal(new Dictionary<string, int> { ["contact"] = 2 }, stats.OtherItems);
        Assert.Equal(new FileInfo(Sample()).Length, stats.BytesRead);

        using var client = await _dovecot.ConnectAsync(user, "secret-" + user);
        var folder = await client.GetFolderAsync("Sent");
        await folder.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await folder.FetchAsync(0, -1, MessageSummaryItems.InternalDate | MessageSummaryItems.Flags | MessageSummaryItems.Envelope);
        // The meta dates (seconds) are the INTERNALDATEs; FlagStr "s" (sent, read): \Seen and nothing else.
        Assert.Equal([1562075806L, 1562655467L], summaries.Select(s => s.InternalDate!.Value.ToUnixTimeSeconds()).Order());
        Assert.All(summaries, s => Assert.Equal(MessageFlags.Seen, s.Flags!.Value & ~MessageFlags.Recent));
        Assert.Contains(summaries, s => s.Envelope!.Subject == "Fw: Test");

        using var zip = ZipFile.OpenRead(Path.Combine(_root, "items.zip"));
        var vcf = await ReadEntryAsync(zip, "contacts.vcf");
        Assert.Equal(2, vcf.Split("BEGIN:VCARD").Length - 1);
        Assert.Contains("EMAIL;TYPE=INTERNET:admin@zimbratest.com", vcf);
        Assert.Contains("EMAIL;TYPE=INTERNET:yukun@zimbratest.com", vcf);
        Assert.Contains("FN:admin", vcf);
    }

    [Fact]
    public async Task A_generated_5000_message_export_gives_exact_folder_counts_flags_dates_tags_and_quarantines_the_truncated_one()
    {
        var user = PstTestSupport.NewUser(_dovecot);
        var tgz = Path.Combine(_root, "gen.tgz");
        var generated = ZimbraTgzGenerator.WriteFile(tgz);

        var stats = await new ZimbraImporter(TimeProvider.System).ImportAsync(Request(tgz, user, root: "Zimbra"));

        // Per source folder (as the .meta Path names it, whatever the tar's !1/!2/!3 splits): everything read, the truncated one quarantined.
        var truncated = generated.Messages.Single(m => m.Truncated);
        Assert.Equal(generated.CountsByFolder.OrderBy(c => c.Key), stats.Folders.ToDictionary(f => f.Source, f => f.Extracted).OrderBy(c => c.Key));
        Assert.Equal(4999, stats.Appended);
        Assert.Equal(1, stats.Quarantined);
        Assert.Equal(0, stats.Skipped);
        Assert.Equal(truncated.Folder, stats.Folders.Single(f => f.Quarantined == 1).Source);
        var entry = Assert.Single(QuarantineWriter.Read(Path.Combine(_root, "quarantine")));
        Assert.StartsWith("truncated:", entry.Reason);
        Assert.Equal(truncated.Subject, entry.Subject);

        var destinations = stats.Folders.ToDictionary(f => f.Source, f => f.Destination);
        Assert.Equal("INBOX", destinations["Inbox"]);
        Assert.Equal("Sent", destinations["Sent"]);
        Assert.Equal("Sent", destinations["Itens Enviados"]);
        Assert.Equal("Drafts", destinations["Drafts"]);
        Assert.Equal("Junk", destinations["Junk"]);
        Assert.Equal("Trash", destinations["Trash"]);
        Assert.Equal("Zimbra/Arquivo/Relatórios", destinations["Arquivo/Relatórios"]);
        Assert.Equal("Zimbra/Clientes/Ações", destinations["Clientes/Ações"]);

        // Dovecot's own counts, folder by folder (Sent holds Sent and Itens Enviados).
        var expected = generated.Messages.Where(m => !m.Truncated).GroupBy(m => destinations[m.Folder]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal("Itens Enviados", truncated.Folder);
        Assert.Equal(800 + 400 - 1, expected["Sent"]);
        foreach (var (folder, count) in expected)
        {
            Assert.Equal(count, await _dovecot.CountMessagesAsync(user, folder));
        }

        Assert.All(stats.Folders, f => Assert.Equal(expected[f.Destination], f.DestinationMessages));
        Assert.Equal(new Dictionary<string, int> { ["appointment"] = 2, ["contact"] = 3, ["document"] = 1, ["task"] = 1 }, stats.OtherItems);

        // Flags, keywords and dates, message by message, in two folders (one of them split in the tar).
        using var client = await _dovecot.ConnectAsync(user, "secret-" + user);
        foreach (var source in new[] { "Inbox", "Drafts", "Clientes/Ações" })
        {
            var folder = destinations[source] == "INBOX" ? client.Inbox : await client.GetFolderAsync(destinations[source]);
            await folder.OpenAsync(FolderAccess.ReadOnly);
            var summaries = await folder.FetchAsync(0, -1, MessageSummaryItems.InternalDate | MessageSummaryItems.Flags | MessageSummaryItems.Envelope);
            var bySubject = generated.Messages.Where(m => m.Folder == source && !m.Truncated).ToDictionary(m => m.Subject);
            Assert.Equal(bySubject.Count, summaries.Count);
            foreach (var s in summaries)
            {
                var want = bySubject[s.Envelope!.Subject!];
                Assert.Equal(want.Date, s.InternalDate!.Value);
                var flags = s.Flags!.Value & ~MessageFlags.Recent;
                Assert.Equal(ZimbraImporter.ImapFlags(Ligbox.Tools.Zimbra.ZimbraFlagString.Parse(want.FlagStr)), flags);
                var keywords = s.Keywords.OrderBy(k => k, StringComparer.Ordinal).ToList();
                var wantKeywords = (want.FlagStr.Contains('w') ? new[] { ZimbraImporter.ForwardedKeyword } : [])
                    .Concat(want.Tags.Select(t => ZimbraImporter.Keyword(t)!)).OrderBy(k => k, StringComparer.Ordinal).ToList();
                Assert.Equal(wantKeywords, keywords);
            }
        }

        // Every flag letter reached the server somewhere.
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.NotEmpty(await client.Inbox.SearchAsync(SearchQuery.NotSeen));
        Assert.NotEmpty(await client.Inbox.SearchAsync(SearchQuery.Flagged));
        Assert.NotEmpty(await client.Inbox.SearchAsync(SearchQuery.Answered));
        Assert.NotEmpty(await client.Inbox.SearchAsync(SearchQuery.Deleted));
        Assert.NotEmpty(await client.Inbox.SearchAsync(SearchQuery.HasKeyword("$Forwarded")));
        Assert.NotEmpty(await client.Inbox.SearchAsync(SearchQuery.HasKeyword("Importante")));

        // The message without a Message-ID is there.
        var withoutId = generated.Messages.Single(m => m.MessageId is null);
        var its = destinations[withoutId.Folder] == "INBOX" ? client.Inbox : await client.GetFolderAsync(destinations[withoutId.Folder]);
        await its.OpenAsync(FolderAccess.ReadOnly);
        Assert.Single(await its.SearchAsync(SearchQuery.SubjectContains($"Mensagem {withoutId.Id - 999} ")));

        using var zip = ZipFile.OpenRead(Path.Combine(_root, "items.zip"));
        var calendar = await ReadEntryAsync(zip, "calendar.ics");
        Assert.Equal(2, calendar.Split("BEGIN:VEVENT").Length - 1);
        Assert.StartsWith("BEGIN:VCALENDAR", calendar);
        Assert.Equal(1, (await ReadEntryAsync(zip, "tasks.ics")).Split("BEGIN:VTODO").Length - 1);
        Assert.Equal(3, (await ReadEntryAsync(zip, "contacts.vcf")).Split("BEGIN:VCARD").Length - 1);
        Assert.Contains(zip.Entries, e => e.FullName == "briefcase/nota1.txt");
    }

    [Fact]
    public async Task Importing_again_adds_nothing_and_a_cut_file_is_resumed_without_duplicates()
    {
        var user = PstTestSupport.NewUser(_dovecot);
        var tgz = Path.Combine(_root, "small.tgz");
        var generated = ZimbraTgzGenerator.WriteFile(tgz, new ZimbraTgzSpec
        {
            Folders = [new("Inbox", 300), new("Pastas/Notas", 120)],
            BodyBytes = 3000,
            WithoutMessageId = 5,
            TruncatedMessage = 0,
        });
        var bytes = await File.ReadAllBytesAsync(tgz);
        var cut = Path.Combine(_root, "cut.tgz");
        await File.WriteAllBytesAsync(cut, bytes[..(bytes.Length * 2 / 3)]);
        var importer = new ZimbraImporter(TimeProvider.System, new PstImportOptions { MultiAppendSize = 10 });

        var broken = await Assert.ThrowsAsync<PstImportException>(() => importer.ImportAsync(Request(cut, user)));
        Assert.Contains("ends early", broken.Message);
        var partial = await _dovecot.CountMessagesAsync(user, "INBOX");
        Assert.InRange(partial, 1, 299);

        var whole = await importer.ImportAsync(Request(tgz, user));
        Assert.Equal(420, whole.Appended + whole.Skipped);
        Assert.True(whole.Skipped >= partial, $"{whole.Skipped} skipped, {partial} were there");
        var again = await importer.ImportAsync(Request(tgz, user));
        Assert.Equal(0, again.Appended);
        Assert.Equal(420, again.Skipped);
        Assert.Equal(300, await _dovecot.CountMessagesAsync(user, "INBOX"));
        Assert.Equal(120, await _dovecot.CountMessagesAsync(user, "Imported Zimbra/Pastas/Notas"));
        Assert.Equal(generated.Messages.Count, whole.Parsed);
    }

    [Fact]
    public async Task A_cancelled_import_stops_and_the_next_one_completes_without_duplicates()
    {
        var user = PstTestSupport.NewUser(_dovecot);
        var tgz = Path.Combine(_root, "cancel.tgz");
        ZimbraTgzGenerator.WriteFile(tgz, new ZimbraTgzSpec { Folders = [new("Inbox", 1500)], BodyBytes = 2000, TruncatedMessage = 0 });
        var importer = new ZimbraImporter(TimeProvider.System, new PstImportOptions { MultiAppendSize = 10 });
        using var cancel = new CancellationTokenSource();

        var run = importer.ImportAsync(Request(tgz, user), s =>
        {
            if (s.Appended >= 200)
            {
                cancel.Cancel();
            }
        }, cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var partial = await _dovecot.CountMessagesAsync(user, "INBOX");
        Assert.InRange(partial, 200, 1499);

        var rest = await importer.ImportAsync(Request(tgz, user));
        Assert.Equal(1500, rest.Appended + rest.Skipped);
        Assert.Equal(1500, await _dovecot.CountMessagesAsync(user, "INBOX"));
    }

    [Fact]
    public async Task A_tar_that_is_not_a_Zimbra_export_imports_nothing_and_a_corrupt_gzip_fails_in_plain_words()
    {
        var user = PstTestSupport.NewUser(_dovecot);
        var plain = Path.Combine(_root, "plain.tgz");
        ZimbraTgzGenerator.WritePlainTgz(plain);
        var stats = await new ZimbraImporter(TimeProvider.System).ImportAsync(Request(plain, user));
        Assert.Equal(0, stats.Appended);
        Assert.Empty(stats.Folders);

        var corrupt = Path.Combine(_root, "corrupt.tgz");
        var bytes = new byte[4096];
        new Random(3).NextBytes(bytes);
        (bytes[0], bytes[1], bytes[2], bytes[3]) = (0x1f, 0x8b, 8, 0);
        await File.WriteAllBytesAsync(corrupt, bytes);
        var e = await Assert.ThrowsAsync<PstImportException>(() => new ZimbraImporter(TimeProvider.System).ImportAsync(Request(corrupt, user)));
        Assert.Contains("gzip", e.Message);
    }

    [Theory]
    [InlineData("Importante", "Importante")]
    [InlineData("Projeto X", "Projeto_X")]
    [InlineData("Cliente, VIP", "Cliente,_VIP")]
    [InlineData("Ações (2024)", "Acoes__2024")]
    [InlineData("***", null)]
    public void Tags_become_IMAP_keywords(string tag, string? keyword) => Assert.Equal(keyword, ZimbraImporter.Keyword(tag));

    [Theory]
    [InlineData("Inbox!2/0000001000-x.eml", "Inbox")]
    [InlineData("Arquivo/Relatórios!1/0000001000-x.eml", "Arquivo/Relatórios")]
    [InlineData("Notas!/x.eml", "Notas!")]
    [InlineData("x.eml", "")]
    public void The_folder_of_an_entry_without_meta_drops_the_split_suffix(string entry, string folder) =>
        Assert.Equal(folder, ZimbraImporter.FolderOfEntry(entry));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private ZimbraImportRequest Request(string tgz, string user, string? root = ZimbraImportService.DefaultRootFolder) => new(
        _ => Task.FromResult<Stream>(File.OpenRead(tgz)), Path.GetFileName(tgz), new FileInfo(tgz).Length, PstTestSupport.Endpoint(_dovecot, user),
        Path.Combine(_root, "quarantine"), Path.Combine(_root, "items.zip"), root);

    private static async Task<string> ReadEntryAsync(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new Xunit.Sdk.XunitException($"{name} is not in the archive: {string.Join(", ", zip.Entries.Select(e => e.FullName))}");
        using var reader = new StreamReader(entry.Open());
        return await reader.ReadToEndAsync();
    }
}
