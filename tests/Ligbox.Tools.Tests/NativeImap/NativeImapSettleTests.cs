using Ligbox.Testing.Dovecot;
using Ligbox.Tools.NativeImap;
using MailKit;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// Issue 18: an initial pass leaves its big folders so that the next delta's STATUS of them is answered from Dovecot's
/// list index, without opening them (on a maildir of 300,000 messages, opening one cost that delta 0.6-1.8 s). One real
/// Dovecot with mail_debug, which logs each folder a session opens, serves both accounts.
/// </summary>
public sealed class NativeImapSettleTests : IAsyncLifetime
{
    private const string Folder = "Projetos";
    private readonly DovecotServer _server = new(new DovecotServerOptions { CreateSpecialUseFolders = true, MailDebug = true });

    public Task InitializeAsync() => _server.StartAsync();

    public Task DisposeAsync()
    {
        _server.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task NextStatusOfABigFolderNeedsNoOpening_OnlyWhenThePassLookedAgain(bool settle)
    {
        var source = TestAccounts.New(_server, "src");
        var destination = TestAccounts.New(_server, "dst");
        var messages = Enumerable.Range(1, 60)
            .Select(i => Mailbox.Message($"arquivo {i:D3}", i % 3 == 0 ? MessageFlags.None : MessageFlags.Seen, day: 1 + i % 28))
            .ToArray();
        await Mailbox.SeedAsync(_server, source, Folder, messages);
        await Mailbox.SeedAsync(_server, source, "INBOX", Mailbox.Message("inbox 1", MessageFlags.Seen));
        // The seeding's own changes to the source's directories are older than Dovecot's second by the time the pass looks.
        await Task.Delay(MailboxSyncRun.SettleDelay);
        // 60 messages count as big here (the default is 100,000); 0 turns the last look off.
        var engine = new NativeImapSyncEngine(new NativeImapOptions { SettleFolderMinMessages = settle ? 50 : 0 });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stats = await engine.SyncAsync(new SyncRequest { Source = source, Destination = destination, Kind = SyncKind.Initial }, new InMemorySyncStateStore());
        var passTime = clock.Elapsed;

        Assert.Equal(61, stats.MessagesTransferred);
        Assert.Equal(0, stats.Errors);
        if (settle)
        {
            // The destination's look waits until two seconds after the folder was last changed.
            Assert.True(passTime >= MailboxSyncRun.SettleDelay, $"the pass took {passTime.TotalMilliseconds:0} ms");
        }

        // What a delta asks first: each side's STATUS of the folder, in a new session.
        var opened = new[]
        {
            await OpensFolderAsync(source, StatusItems.Count | StatusItems.UidNext | StatusItems.UidValidity | StatusItems.HighestModSeq | StatusItems.Size),
            await OpensFolderAsync(destination, StatusItems.Count | StatusItems.UidNext | StatusItems.UidValidity | StatusItems.HighestModSeq),
        };
        Assert.Equal([!settle, !settle], opened);
    }

    /// <summary>Whether a STATUS of <see cref="Folder"/> in a new session of <paramref name="account"/> opened the folder.</summary>
    private async Task<bool> OpensFolderAsync(ImapEndpoint account, StatusItems items)
    {
        var from = new FileInfo(_server.DebugLogPath).Length;
        using (var client = await _server.ConnectAsync(account.User, account.Secret))
        {
            var folder = await client.GetFolderAsync(Folder);
            await folder.StatusAsync(items);
            Assert.Equal(60, folder.Count);
            await client.DisconnectAsync(true);
        }

        // The log process writes the session's lines after it ends: wait for its last one.
        var session = await SessionLinesAsync(account.User, from);
        return session.Any(l => l.Contains($"Mailbox {Folder}: Mailbox opened", StringComparison.Ordinal));
    }

    private async Task<List<string>> SessionLinesAsync(string user, long from)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            await using var stream = new FileStream(_server.DebugLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(from, SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var lines = (await reader.ReadToEndAsync()).Split('\n').Where(l => l.Contains($"imap({user})", StringComparison.Ordinal)).ToList();
            if (lines.Any(l => l.Contains("User session is finished", StringComparison.Ordinal)))
            {
                return lines;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Dovecot did not log the end of {user}'s session in {_server.DebugLogPath}");
            await Task.Delay(50);
        }
    }
}
