using Ligbox.Core.Pst;
using Ligbox.Testing.Dovecot;
using MailKit;
using MailKit.Search;

namespace Ligbox.Core.Tests.Pst;

/// <summary>Real readpst on the real PSTs of ../shared/testdata/pst, into a real Dovecot.</summary>
public sealed class PstImporterTests(PlainDovecot fixture) : IClassFixture<PlainDovecot>
{
    private readonly DovecotServer _dovecot = fixture.Server;

    public static TheoryData<string, string> Expected => new()
    {
        // file, "destination=count;..." as SOURCES.md lists the e-mail folders (calendar/contacts are not mail).
        { "Outlook_1.pst", "INBOX=8;Sent=6" },
        { "passwordprotectedPST.pst", "INBOX=4;Trash=14" },
        { "attachAndInline.pst", "Imported PST=1" },
        { "dist-list.pst", "" },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public async Task Imports_each_pst_with_per_folder_counts_matching_sources_and_dovecot(string file, string expected)
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(_dovecot);
        var importer = PstTestSupport.CreateImporter();

        var stats = await importer.ImportAsync(work.Request(PstTestSupport.SharedPst(file), PstTestSupport.Endpoint(_dovecot, user)));

        var want = expected.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('='))
            .ToDictionary(p => p[0], p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        var got = stats.Folders.Where(f => f.Appended > 0).ToDictionary(f => f.Destination, f => f.Appended);
        Assert.Equal(want.OrderBy(p => p.Key), got.OrderBy(p => p.Key));
        foreach (var (folder, count) in want)
        {
            Assert.Equal(count, await _dovecot.CountMessagesAsync(user, folder));
            Assert.Equal(count, stats.Folders.Single(f => f.Destination == folder).DestinationMessages);
        }

        Assert.Equal(0, stats.Quarantined);
        Assert.Equal("done", stats.Phase);
        Assert.False(Directory.Exists(Path.Combine(work.Root, "work")), "the work directory is cleaned");
        if (file == "dist-list.pst")
        {
            Assert.Equal(2, stats.Folders.Sum(f => f.NotMail));
        }

        if (file == "Outlook_1.pst")
        {
            // readpst -e writes "Status: RO" on read messages; Inbox 6.eml and 7.eml have none (unread in the PST).
            using var client = await _dovecot.ConnectAsync(user, "secret-" + user);
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
            Assert.Equal(2, (await client.Inbox.SearchAsync(SearchQuery.NotSeen)).Count);
            var summaries = await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.InternalDate | MessageSummaryItems.Envelope);
            Assert.All(summaries.Where(s => s.Envelope!.Date is not null), s => Assert.Equal(s.Envelope!.Date!.Value.ToUnixTimeSeconds(), s.InternalDate!.Value.ToUnixTimeSeconds()));
        }
    }

    [Fact]
    public async Task Reimporting_the_same_pst_adds_nothing()
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(_dovecot);
        var importer = PstTestSupport.CreateImporter();
        var endpoint = PstTestSupport.Endpoint(_dovecot, user);

        foreach (var file in new[] { "Outlook_1.pst", "attachAndInline.pst" })
        {
            await importer.ImportAsync(work.Request(PstTestSupport.SharedPst(file), endpoint));
            var again = await importer.ImportAsync(work.Request(PstTestSupport.SharedPst(file), endpoint));
            Assert.Equal(0, again.Appended);
            Assert.Equal(again.Parsed, again.Skipped);
        }

        Assert.Equal(8, await _dovecot.CountMessagesAsync(user, "INBOX"));
        Assert.Equal(6, await _dovecot.CountMessagesAsync(user, "Sent"));
        Assert.Equal(1, await _dovecot.CountMessagesAsync(user, "Imported PST"));
    }

    [Fact]
    public async Task Truncated_pst_and_non_pst_fail_clearly_and_append_nothing()
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(_dovecot);
        var importer = PstTestSupport.CreateImporter();
        var truncated = Path.Combine(work.Root, "cut.pst");
        var original = await File.ReadAllBytesAsync(PstTestSupport.SharedPst("Outlook_1.pst"));
        await File.WriteAllBytesAsync(truncated, original[..8192]);
        var notPst = Path.Combine(work.Root, "report.pst");
        await File.WriteAllTextAsync(notPst, "%PDF-1.4 this is not an Outlook file, just some text that is long enough. " + new string('x', 2000));

        var cut = await Assert.ThrowsAsync<PstImportException>(() => importer.ImportAsync(work.Request(truncated, PstTestSupport.Endpoint(_dovecot, user))));
        Assert.Contains("truncated or corrupt", cut.Message);
        var bad = await Assert.ThrowsAsync<PstImportException>(() => importer.ImportAsync(work.Request(notPst, PstTestSupport.Endpoint(_dovecot, user))));
        Assert.Contains("not an Outlook PST/OST file", bad.Message);

        using var client = await _dovecot.ConnectAsync(user, "secret-" + user);
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0]);
        Assert.DoesNotContain(folders, f => f.FullName.StartsWith("Imported PST", StringComparison.Ordinal));
        Assert.Equal(0, await _dovecot.CountMessagesAsync(user, "INBOX"));
    }

    [Fact]
    public async Task Imports_an_mbox_keeping_read_state()
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(_dovecot);
        var mbox = Path.Combine(work.Root, "upload.bin");
        PstTestSupport.WriteMbox(mbox, 30);

        var stats = await PstTestSupport.CreateImporter().ImportAsync(
            work.Request(mbox, PstTestSupport.Endpoint(_dovecot, user), name: "Arquivo 2019.mbox"));

        Assert.Equal(PstSourceKind.Mbox, stats.SourceKind);
        var folder = Assert.Single(stats.Folders);
        Assert.Equal("Imported PST/Arquivo 2019", folder.Destination);
        Assert.Equal((30, 30, 30), (folder.Parsed, folder.Appended, folder.DestinationMessages!.Value));
        Assert.Equal(30, await _dovecot.CountMessagesAsync(user, "Imported PST/Arquivo 2019"));
        using var client = await _dovecot.ConnectAsync(user, "secret-" + user);
        var target = await client.GetFolderAsync("Imported PST/Arquivo 2019");
        await target.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(10, (await target.SearchAsync(SearchQuery.NotSeen)).Count);
    }

    [Fact]
    public async Task Wrong_destination_password_fails_in_plain_words_without_the_secret()
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(_dovecot);
        var mbox = Path.Combine(work.Root, "a.mbox");
        PstTestSupport.WriteMbox(mbox, 3);
        var endpoint = PstTestSupport.Endpoint(_dovecot, user) with { Secret = "wrong-secret-123" };

        var error = await Assert.ThrowsAsync<PstImportException>(() => PstTestSupport.CreateImporter().ImportAsync(work.Request(mbox, endpoint)));

        Assert.Equal($"Authentication failed for {user} on the destination: check the password.", error.Message);
        Assert.DoesNotContain("wrong-secret-123", error.ToString());
    }

    [Fact]
    public async Task Interrupted_import_resumes_without_duplicates()
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(_dovecot);
        var mbox = Path.Combine(work.Root, "big.mbox");
        PstTestSupport.WriteMbox(mbox, 200);
        // Small batches on two connections: at most ~50 messages are queued or in flight when the stop comes.
        var importer = PstTestSupport.CreateImporter(new PstImportOptions { MultiAppendSize = 10, AppendConnections = 2 });
        var endpoint = PstTestSupport.Endpoint(_dovecot, user);
        using var cts = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => importer.ImportAsync(work.Request(mbox, endpoint),
            s =>
            {
                if (s.Appended >= 60)
                {
                    cts.Cancel();
                }
            }, cts.Token));
        var partial = await _dovecot.CountMessagesAsync(user, "Imported PST/big");
        Assert.InRange(partial, 60, 150);

        var resumed = await importer.ImportAsync(work.Request(mbox, endpoint));
        // A MULTIAPPEND whose bytes were sent before the stop may still be stored by the server after we
        // counted: the resume skips those too, by identity. What matters: nothing twice, nothing lost.
        Assert.InRange(resumed.Skipped, partial, 150);
        Assert.Equal(200 - resumed.Skipped, resumed.Appended);
        Assert.Equal(200, await _dovecot.CountMessagesAsync(user, "Imported PST/big"));
    }
}
