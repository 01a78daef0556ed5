using System.Text.RegularExpressions;
using Ligbox.Tools.NativeImap;
using MailKit;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// Issue 18, row 2: a big folder is copied by staging lanes, each into a staging folder of its own, and moved into the
/// folder run after run in the source's order (IMAP MOVE with COPYUID): a server takes one folder's appends one commit at a
/// time. Checked against real Dovecot servers and the engine's protocol logs.
/// </summary>
[Collection(ImapServersCollection.Name)]
public sealed partial class NativeImapStagedCopyTests(ImapServersFixture servers)
{
    private const string Folder = "Arquivo/Grande";

    [GeneratedRegex(@"^C: \S+ UID MOVE \S+ (""[^""]+""|\S+)", RegexOptions.Multiline)]
    private static partial Regex MoveCommand();

    [GeneratedRegex(@"^C: \S+ APPEND (""[^""]+""|\S+)", RegexOptions.Multiline)]
    private static partial Regex AppendCommand();

    [GeneratedRegex(@"^C: \S+ UID FETCH \S+ \(BODY\.PEEK\[\]", RegexOptions.Multiline)]
    private static partial Regex BodyFetch();

    // 60 messages, 20 staged at least: runs of 10 over four staging lanes (the folder's own lane and three more).
    private static NativeImapOptions Options(string? logs = null) => new()
    {
        ProtocolLogDirectory = logs,
        StagedAppendMinMessages = 20,
        BatchSize = 5,
        MultiAppendSize = 4,
        AppendConnectionsPerMailbox = 4,
        ReconnectAttempts = 0,
    };

    private static SyncRequest Request(ImapEndpoint source, ImapEndpoint destination, SyncKind kind = SyncKind.Initial) =>
        new() { Source = source, Destination = destination, Kind = kind };

    private async Task<ImapEndpoint> SeedAsync(int count)
    {
        var source = servers.NewAccount(servers.Source, "staged-src");
        await Mailbox.SeedAsync(servers.Source, source, Folder, [.. Enumerable.Range(0, count).Select(i => Mailbox.Message(
            $"mensagem {i:D3}", i % 3 == 0 ? MessageFlags.None : MessageFlags.Seen | (i % 5 == 0 ? MessageFlags.Flagged : MessageFlags.None),
            day: i % 28 + 1, keywords: i % 7 == 0 ? ["$Label1"] : []))]);
        return source;
    }

    /// <summary>The folder's subjects in the order of its UIDs.</summary>
    private static async Task<List<string>> SubjectsByUidAsync(Ligbox.Testing.Dovecot.DovecotServer server, ImapEndpoint account, string folder)
    {
        using var client = await server.ConnectAsync(account.User, account.Secret);
        var mailFolder = await client.GetFolderAsync(folder);
        await mailFolder.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await mailFolder.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope);
        return [.. summaries.OrderBy(s => s.UniqueId.Id).Select(s => s.Envelope?.Subject ?? "")];
    }

    private static List<string> Matches(Regex regex, string dir) =>
        [.. Directory.GetFiles(dir, "destination-*.log").SelectMany(f => regex.Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value.Trim('"')))];

    /// <summary>The folder holds the source's mail, each message once, and no staging folder is left.</summary>
    private async Task AssertCopiedOnceAsync(ImapEndpoint source, ImapEndpoint destination, int count)
    {
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, Folder), await Mailbox.SnapshotAsync(servers.Destination, destination, Folder));
        Assert.Equal(count, await Mailbox.CountAsync(servers.Destination, destination, Folder));
        Assert.DoesNotContain(await Mailbox.FolderNamesAsync(servers.Destination, destination), n => n.StartsWith(NativeImapOptions.StagingFolderPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABigFolder_IsCopiedByStagingLanes_AndMovedInInTheSourcesOrder_AndItsPairsAreTheFoldersUids()
    {
        var logs = Directory.CreateTempSubdirectory("ligbox-staged-").FullName;
        try
        {
            var source = await SeedAsync(60);
            var destination = servers.NewAccount(servers.Destination, "staged-dst");
            var state = new InMemorySyncStateStore();

            var stats = await new NativeImapSyncEngine(Options(logs)).SyncAsync(Request(source, destination), state);

            Assert.Equal(60, stats.MessagesTransferred);
            Assert.Equal(0, stats.Errors);
            // The same mail (bytes, flags, keywords, INTERNALDATE), in the source's order, and no staging folder left.
            Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, Folder), await Mailbox.SnapshotAsync(servers.Destination, destination, Folder));
            Assert.Equal(await SubjectsByUidAsync(servers.Source, source, Folder), await SubjectsByUidAsync(servers.Destination, destination, Folder));
            Assert.DoesNotContain(await Mailbox.FolderNamesAsync(servers.Destination, destination), n => n.StartsWith(NativeImapOptions.StagingFolderPrefix, StringComparison.Ordinal));
            // Staged: every APPEND went into a staging folder, one per staging lane, and six runs of 10 were moved in.
            var appendedInto = Matches(AppendCommand(), logs);
            Assert.NotEmpty(appendedInto);
            Assert.All(appendedInto, f => Assert.StartsWith(NativeImapOptions.StagingFolderPrefix, f, StringComparison.Ordinal));
            Assert.Equal(4, appendedInto.Distinct(StringComparer.Ordinal).Count());
            var moves = Matches(MoveCommand(), logs);
            Assert.Equal(6, moves.Count);
            Assert.All(moves, f => Assert.Equal(Folder, f));
            // One source connection read every run (the folder's own): none was opened for a staging lane, so the source
            // has one process with the folder open, not four (Dovecot re-reads a maildir's uidlist whenever another
            // process changed it; four big-folder processes doing that to each other ran out of memory).
            Assert.Single(Directory.GetFiles(logs, "source-*.log"));
            Assert.Single(Directory.GetFiles(logs, "source-*.log"), f => BodyFetch().IsMatch(File.ReadAllText(f)));

            // The pairs name the folder's UIDs: a flag changed on the source reaches that message, three new ones are
            // copied, and nothing is copied twice.
            await Mailbox.AddFlagsAsync(servers.Source, source, Folder, "mensagem 031", MessageFlags.Answered, "$Label2");
            await Mailbox.SeedAsync(servers.Source, source, Folder, [.. Enumerable.Range(60, 3).Select(i => Mailbox.Message($"mensagem {i:D3}"))]);
            var delta = await new NativeImapSyncEngine(Options()).SyncAsync(Request(source, destination, SyncKind.Delta), state);
            Assert.Equal(3, delta.MessagesTransferred);
            Assert.Equal(1, delta.FlagsUpdated);
            Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, Folder), await Mailbox.SnapshotAsync(servers.Destination, destination, Folder));
            Assert.Equal(63, await Mailbox.CountAsync(servers.Destination, destination, Folder));
        }
        finally
        {
            Directory.Delete(logs, recursive: true);
        }
    }

    [Fact]
    public async Task AStagedCopyStoppedHalfway_ResumesToTheSameMail_WithNothingTwiceAndNoStagingFolderLeft()
    {
        var source = await SeedAsync(60);
        var destination = servers.NewAccount(servers.Destination, "staged-dst");
        var state = new InMemorySyncStateStore();
        using var stop = new CancellationTokenSource();
        // Stopped once a run is recorded: the other staging lanes have runs appended (or moved) meanwhile. The progress
        // counts what the lanes appended too, at most one run of 10 each (a lane takes its next run once its run is in
        // the folder), so past 40 a run has been moved in and recorded.
        var progress = new Progress(e =>
        {
            if (e.Stage == SyncProgressStage.FolderProgress && e.FolderDone > 40)
            {
                stop.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new NativeImapSyncEngine(Options()).SyncAsync(Request(source, destination), state, progress, stop.Token));
        var copiedBefore = await Mailbox.CountAsync(servers.Destination, destination, Folder);
        Assert.InRange(copiedBefore, 1, 59);

        var resumed = await new NativeImapSyncEngine(Options()).SyncAsync(Request(source, destination), state);

        Assert.Equal(0, resumed.Errors);
        await AssertCopiedOnceAsync(source, destination, 60);
    }

    [Fact]
    public async Task AStagingLaneWhoseConnectionDrops_HasTheFolderCopiedAgain_WithNothingTwiceAndNoStagingFolderLeft()
    {
        var source = await SeedAsync(60);
        var destination = servers.NewAccount(servers.Destination, "staged-dst");
        // The first MOVE's connection dies: the other staging lanes are stopped mid-command (their connections dropped
        // too), the folder's lane reconnects and copies the folder again, matching what reached it.
        await using var relay = new DroppingRelay(servers.Destination.Port, " UID MOVE ", drops: 1);
        var options = Options();
        options.ReconnectAttempts = 2;
        options.ReconnectDelay = TimeSpan.FromMilliseconds(50);

        var stats = await new NativeImapSyncEngine(options).SyncAsync(Request(source, destination with { Port = relay.Port }), new InMemorySyncStateStore());

        Assert.Equal(1, relay.Dropped);
        Assert.Equal(0, stats.Errors);
        await AssertCopiedOnceAsync(source, destination, 60);
    }

    [Fact]
    public async Task AStagingFolderAKilledRunLeft_IsDeletedByTheNextRun_AndFoldersNamedAlikeAreKept()
    {
        var source = await SeedAsync(8);
        var destination = servers.NewAccount(servers.Destination, "staged-dst");
        // As a run killed between a staging APPEND and its MOVE leaves it: messages that were never recorded.
        await Mailbox.SeedAsync(servers.Destination, destination, NativeImapOptions.StagingFolderPrefix + "7", Mailbox.Message("left behind"), Mailbox.Message("left behind too"));
        // The customer's own folders whose names only look alike: another name, or not at the top.
        await Mailbox.SeedAsync(servers.Destination, destination, NativeImapOptions.StagingFolderPrefix + "notas", Mailbox.Message("mine"));
        await Mailbox.SeedAsync(servers.Destination, destination, "Projetos/" + NativeImapOptions.StagingFolderPrefix + "2", Mailbox.Message("mine too"));

        var stats = await new NativeImapSyncEngine(Options()).SyncAsync(Request(source, destination), new InMemorySyncStateStore());

        Assert.Equal(8, stats.MessagesTransferred);
        var names = await Mailbox.FolderNamesAsync(servers.Destination, destination);
        Assert.DoesNotContain(NativeImapOptions.StagingFolderPrefix + "7", names);
        Assert.Equal(1, await Mailbox.CountAsync(servers.Destination, destination, NativeImapOptions.StagingFolderPrefix + "notas"));
        Assert.Equal(1, await Mailbox.CountAsync(servers.Destination, destination, "Projetos/" + NativeImapOptions.StagingFolderPrefix + "2"));
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, Folder), await Mailbox.SnapshotAsync(servers.Destination, destination, Folder));
    }

    [Fact]
    public async Task WithStagingOff_AFolderNamedLikeAStagingFolder_IsKept_AndNothingIsStaged()
    {
        var source = await SeedAsync(30);
        var destination = servers.NewAccount(servers.Destination, "staged-dst");
        await Mailbox.SeedAsync(servers.Destination, destination, NativeImapOptions.StagingFolderPrefix + "7", Mailbox.Message("the customer's"));
        var logs = Directory.CreateTempSubdirectory("ligbox-staged-").FullName;
        try
        {
            var stats = await new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = logs, BatchSize = 5, MultiAppendSize = 4, StagedAppendMinMessages = 0 })
                .SyncAsync(Request(source, destination), new InMemorySyncStateStore());

            Assert.Equal(30, stats.MessagesTransferred);
            Assert.Equal(1, await Mailbox.CountAsync(servers.Destination, destination, NativeImapOptions.StagingFolderPrefix + "7"));
            Assert.Empty(Matches(MoveCommand(), logs));
        }
        finally
        {
            Directory.Delete(logs, recursive: true);
        }
    }

    [Fact]
    public async Task AStagedFolder_ReportsItsProgressAsItsUnitsAreAppended_NotOnlyWhenARunIsMovedIn()
    {
        var source = await SeedAsync(60);
        var destination = servers.NewAccount(servers.Destination, "staged-dst");
        var engine = new NativeImapSyncEngine(Options());
        var gate = new object();
        long? movesAtFirstProgress = null;
        var done = new List<long>();
        var progress = new Progress(e =>
        {
            if (e.Stage == SyncProgressStage.FolderProgress && e.Folder == Folder)
            {
                // Under a lock, so no lane goes on (and moves a run in) while the first report reads the count.
                lock (gate)
                {
                    movesAtFirstProgress ??= engine.Commands.Count("MOVE");
                    done.Add(e.FolderDone);
                }
            }
        });

        var stats = await engine.SyncAsync(Request(source, destination), new InMemorySyncStateStore(), progress);

        Assert.Equal(60, stats.MessagesTransferred);
        await AssertCopiedOnceAsync(source, destination, 60);
        Assert.Equal(6, engine.Commands.Count("MOVE"));
        // The first report came before any run was moved in (recorded runs alone would first report after a MOVE) ...
        Assert.Equal(0, movesAtFirstProgress);
        // ... and the figures only grow, to the whole folder.
        Assert.Equal(done.Order().ToList(), done);
        Assert.Equal(60, done[^1]);
    }

    [Fact]
    public async Task ByDefault_AFolderOf2000Messages_IsStaged()
    {
        const int count = 2000;
        var source = servers.NewAccount(servers.Source, "staged-src");
        var written = DateTimeOffset.Parse("2024-03-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        await servers.Source.SeedMaildirAsync(source.User, Folder, Enumerable.Range(0, count).Select(i => new Ligbox.Testing.Dovecot.SeedRawMessage(
            System.Text.Encoding.ASCII.GetBytes($"Message-ID: <staged-{i}@example.com>\r\nSubject: mensagem {i:D4}\r\n\r\ncorpo {i}\r\n"), written.AddMinutes(i))));
        var destination = servers.NewAccount(servers.Destination, "staged-dst");
        var logs = Directory.CreateTempSubdirectory("ligbox-staged-").FullName;
        try
        {
            // The engine's defaults but for the protocol logs.
            var stats = await new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = logs })
                .SyncAsync(Request(source, destination), new InMemorySyncStateStore());

            Assert.Equal(count, stats.MessagesTransferred);
            Assert.Equal(0, stats.Errors);
            await AssertCopiedOnceAsync(source, destination, count);
            Assert.NotEmpty(Matches(MoveCommand(), logs));
            Assert.All(Matches(AppendCommand(), logs), f => Assert.StartsWith(NativeImapOptions.StagingFolderPrefix, f, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(logs, recursive: true);
        }
    }

    [Fact]
    public async Task ASourceFolderNamedLikeAStagingFolder_IsCopiedAndKept_AndNothingIsStaged()
    {
        var source = await SeedAsync(30);
        var named = NativeImapOptions.StagingFolderPrefix + "1";
        await Mailbox.SeedAsync(servers.Source, source, named, Mailbox.Message("a customer's own folder"));
        var destination = servers.NewAccount(servers.Destination, "staged-dst");
        var logs = Directory.CreateTempSubdirectory("ligbox-staged-").FullName;
        try
        {
            var stats = await new NativeImapSyncEngine(Options(logs)).SyncAsync(Request(source, destination), new InMemorySyncStateStore());
            var again = await new NativeImapSyncEngine(Options()).SyncAsync(Request(source, destination, SyncKind.Delta), new InMemorySyncStateStore());

            Assert.Equal(31, stats.MessagesTransferred);
            Assert.Equal(1, await Mailbox.CountAsync(servers.Destination, destination, named));
            Assert.Empty(Matches(MoveCommand(), logs));
            Assert.Equal(0, again.MessagesTransferred);
        }
        finally
        {
            Directory.Delete(logs, recursive: true);
        }
    }

    private sealed class Progress(Action<SyncProgressEvent> report) : IProgress<SyncProgressEvent>
    {
        public void Report(SyncProgressEvent value) => report(value);
    }
}
