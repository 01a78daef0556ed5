using Ligbox.Tools.NativeImap;
using MailKit;

namespace Ligbox.Tools.Tests.NativeImap;

[Collection(ImapServersCollection.Name)]
public sealed class NativeImapSyncEngineTests(ImapServersFixture servers)
{
    private static readonly NativeImapOptions SmallBatches = new() { BatchSize = 10, MultiAppendSize = 4, AppendConnectionsPerMailbox = 3 };

    private (ImapEndpoint Source, ImapEndpoint Destination) NewPair() =>
        (servers.NewAccount(servers.Source, "src"), servers.NewAccount(servers.Destination, "dst"));

    private static SyncRequest Request(ImapEndpoint source, ImapEndpoint destination, SyncKind kind = SyncKind.Initial, bool mirror = false) =>
        new() { Source = source, Destination = destination, Kind = kind, Mirror = mirror };

    private async Task SeedStandardAsync(ImapEndpoint source)
    {
        await Mailbox.SeedAsync(servers.Source, source, "INBOX",
            Mailbox.Message("inbox 1", MessageFlags.Seen, day: 1),
            Mailbox.Message("inbox 2", MessageFlags.Seen | MessageFlags.Flagged, day: 2, keywords: ["$Label1", "cliente"]),
            Mailbox.Message("inbox 3", MessageFlags.None, day: 3),
            Mailbox.Message("inbox 4", MessageFlags.Answered | MessageFlags.Seen, day: 4));
        await Mailbox.SeedAsync(servers.Source, source, "Itens Enviados",
            Mailbox.Message("enviado 1", MessageFlags.Seen, day: 5),
            Mailbox.Message("enviado 2", MessageFlags.Seen, day: 6));
        await Mailbox.SeedAsync(servers.Source, source, "Clientes/2024/Março",
            Mailbox.Message("março 1", MessageFlags.Draft, day: 7),
            Mailbox.Message("março 2", MessageFlags.Seen, day: 8, keywords: ["Importante"]));
    }

    [Fact]
    public async Task CopiesEveryFolderWithFlagsAndDates_WhenInitialSync()
    {
        var (source, destination) = NewPair();
        await SeedStandardAsync(source);
        var engine = new NativeImapSyncEngine(SmallBatches);

        var stats = await engine.SyncAsync(Request(source, destination), new InMemorySyncStateStore());

        Assert.Equal("native", stats.Engine);
        Assert.Equal(8, stats.MessagesTransferred);
        Assert.Equal(8, stats.SourceMessages);
        Assert.Equal(8, stats.DestinationMessages);
        Assert.Equal(0, stats.Errors);
        Assert.True(stats.BytesTransferred > 0);
        Assert.Contains(stats.Folders, f => f.SourceFolder == "Itens Enviados" && f.DestinationFolder == "Sent" && f.Transferred == 2);
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX"));
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "Itens Enviados"), await Mailbox.SnapshotAsync(servers.Destination, destination, "Sent"));
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "Clientes/2024/Março"), await Mailbox.SnapshotAsync(servers.Destination, destination, "Clientes/2024/Março"));
        Assert.DoesNotContain("Itens Enviados", await Mailbox.FolderNamesAsync(servers.Destination, destination));
    }

    [Fact]
    public async Task TransfersNothingAndFetchesNothing_WhenSecondPassHasNoChanges()
    {
        var (source, destination) = NewPair();
        await SeedStandardAsync(source);
        var state = new InMemorySyncStateStore();
        var engine = new NativeImapSyncEngine(SmallBatches);
        await engine.SyncAsync(Request(source, destination), state);
        Assert.True(engine.Commands.Count("FETCH") > 0, "the initial pass should have fetched (guards the counter itself)");
        engine.Commands.Reset();

        var stats = await engine.SyncAsync(Request(source, destination, SyncKind.Delta), state);

        Assert.Equal(0, stats.MessagesTransferred);
        Assert.Equal(8, stats.MessagesSkipped);
        Assert.Equal(0, engine.Commands.Count("FETCH"));
        Assert.Equal(0, engine.Commands.Count("SELECT") + engine.Commands.Count("EXAMINE"));
        Assert.Equal(0, engine.Commands.Count("APPEND"));
    }

    [Fact]
    public async Task AppliesNewExpungedReflaggedAndNewFolder_WhenDeltaThenMirrorsOnlyOwnCopies_WhenFinal()
    {
        var (source, destination) = NewPair();
        var preexisting = Mailbox.Message("already there", MessageFlags.Seen, day: 9);
        await Mailbox.SeedAsync(servers.Source, source, "INBOX",
            Mailbox.Message("keep", day: 1), Mailbox.Message("to expunge", day: 2), Mailbox.Message("to flag", day: 3), preexisting);
        // "Another tool" already put one of them on the destination.
        await Mailbox.SeedAsync(servers.Destination, destination, "INBOX", preexisting);
        var state = new InMemorySyncStateStore();
        var engine = new NativeImapSyncEngine(SmallBatches);
        var initial = await engine.SyncAsync(Request(source, destination), state);
        Assert.Equal(3, initial.MessagesTransferred);
        Assert.Equal(1, initial.MessagesSkipped);

        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Mailbox.Message("new 1", day: 10), Mailbox.Message("new 2", MessageFlags.Seen, day: 11));
        await Mailbox.ExpungeAsync(servers.Source, source, "INBOX", "to expunge");
        await Mailbox.ExpungeAsync(servers.Source, source, "INBOX", "already there");
        await Mailbox.AddFlagsAsync(servers.Source, source, "INBOX", "to flag", MessageFlags.Flagged | MessageFlags.Seen, "$Work");
        await Mailbox.SeedAsync(servers.Source, source, "Projetos", Mailbox.Message("projeto", day: 12));

        var delta = await engine.SyncAsync(Request(source, destination, SyncKind.Delta), state);

        Assert.Equal(3, delta.MessagesTransferred);
        Assert.Equal(1, delta.FlagsUpdated);
        Assert.Equal(6, await Mailbox.CountAsync(servers.Destination, destination, "INBOX"));
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "Projetos"), await Mailbox.SnapshotAsync(servers.Destination, destination, "Projetos"));
        var destinationInbox = await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX");
        Assert.All(await Mailbox.SnapshotAsync(servers.Source, source, "INBOX"), m => Assert.Contains(m, destinationInbox));

        var final = await engine.SyncAsync(Request(source, destination, SyncKind.Final, mirror: true), state);

        Assert.Equal(0, final.MessagesTransferred);
        Assert.Equal(1, final.MessagesDeleted);
        Assert.Equal(0, final.MissingOnDestination);
        destinationInbox = await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX");
        var sourceInbox = await Mailbox.SnapshotAsync(servers.Source, source, "INBOX");
        // What we copied now mirrors the source; the message the other tool put there is left alone.
        Assert.Equal(sourceInbox.Count + 1, destinationInbox.Count);
        Assert.All(sourceInbox, m => Assert.Contains(m, destinationInbox));
    }

    [Fact]
    public async Task ReportsThenRecopiesAMessage_WhenItWasDeletedOnTheDestinationAfterBeingCopied()
    {
        var (source, destination) = NewPair();
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Enumerable.Range(1, 5).Select(i => Mailbox.Message($"verify {i}", day: i)).ToArray());
        var state = new InMemorySyncStateStore();
        var engine = new NativeImapSyncEngine(SmallBatches);
        await engine.SyncAsync(Request(source, destination), state);
        await Mailbox.ExpungeAsync(servers.Destination, destination, "INBOX", "verify 3");

        var final = await engine.SyncAsync(Request(source, destination, SyncKind.Final), state);
        var next = await engine.SyncAsync(Request(source, destination, SyncKind.Delta), state);

        Assert.Equal(1, final.MissingOnDestination);
        var missing = Assert.Single(final.Missing);
        Assert.Equal(("INBOX", "verify 3"), (missing.Folder, missing.Subject));
        Assert.Equal(1, next.MessagesTransferred);
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX"));
    }

    [Fact]
    public async Task CopiesNoDuplicates_WhenSourceUidValidityChanges()
    {
        var (source, destination) = NewPair();
        var messages = Enumerable.Range(1, 6).Select(i => Mailbox.Message($"projeto {i}", MessageFlags.Seen, day: i)).ToArray();
        await Mailbox.SeedAsync(servers.Source, source, "Projetos", messages);
        var state = new InMemorySyncStateStore();
        var engine = new NativeImapSyncEngine(SmallBatches);
        await engine.SyncAsync(Request(source, destination), state);

        await Mailbox.DeleteFolderAsync(servers.Source, source, "Projetos");
        await Mailbox.SeedAsync(servers.Source, source, "Projetos", [.. messages, Mailbox.Message("projeto novo", day: 20)]);
        var stats = await engine.SyncAsync(Request(source, destination, SyncKind.Delta), state);

        Assert.Equal(1, stats.MessagesTransferred);
        Assert.Equal(6, stats.MessagesSkipped);
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "Projetos"), await Mailbox.SnapshotAsync(servers.Destination, destination, "Projetos"));
    }

    [Fact]
    public async Task CopiesBothAndDuplicatesNothing_WhenMessagesShareAMessageIdOrHaveNone()
    {
        var (source, destination) = NewPair();
        await Mailbox.SeedAsync(servers.Source, source, "INBOX",
            Mailbox.Message("same id A", messageId: "dup@example.com", body: "first body"),
            Mailbox.Message("same id B", messageId: "dup@example.com", body: "second, different body"),
            Mailbox.Message("no id 1", messageId: "", body: "no message-id one"),
            Mailbox.Message("no id 2", messageId: "", body: "no message-id two"));
        var engine = new NativeImapSyncEngine(SmallBatches);

        var first = await engine.SyncAsync(Request(source, destination), new InMemorySyncStateStore());
        // Without state, the second pass can only match by identity (Message-ID + date + size, or content hash).
        var second = await engine.SyncAsync(Request(source, destination), new InMemorySyncStateStore());

        Assert.Equal(4, first.MessagesTransferred);
        Assert.Equal(0, second.MessagesTransferred);
        Assert.Equal(4, second.MessagesSkipped);
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX"));
    }

    [Fact]
    public async Task CopiesOnlyTheOtherHalf_WhenDestinationAlreadyHoldsHalf()
    {
        var (source, destination) = NewPair();
        var messages = Enumerable.Range(1, 10).Select(i => Mailbox.Message($"half {i}", i % 2 == 0 ? MessageFlags.Seen : MessageFlags.None, day: i)).ToArray();
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", messages);
        await Mailbox.SeedAsync(servers.Destination, destination, "INBOX", messages.Where((_, i) => i % 2 == 0).ToArray());
        var engine = new NativeImapSyncEngine(SmallBatches);

        var stats = await engine.SyncAsync(Request(source, destination), new InMemorySyncStateStore());

        Assert.Equal(5, stats.MessagesTransferred);
        Assert.Equal(5, stats.MessagesSkipped);
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX"));
    }

    [Fact]
    public async Task ResumesWithoutDuplicatesOrGaps_WhenCancelledMidway()
    {
        var (source, destination) = NewPair();
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Enumerable.Range(1, 80).Select(i => Mailbox.Message($"resume {i}", day: 1 + i % 28)).ToArray());
        var state = new InMemorySyncStateStore();
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(e =>
        {
            if (e.Stage == SyncProgressStage.FolderProgress && e.MailboxDone >= 25)
            {
                cts.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new NativeImapSyncEngine(SmallBatches).SyncAsync(Request(source, destination), state, progress, cts.Token));
        var copiedBeforeResume = await Mailbox.CountAsync(servers.Destination, destination, "INBOX");
        var stats = await new NativeImapSyncEngine(SmallBatches).SyncAsync(Request(source, destination), state);

        Assert.InRange(copiedBeforeResume, 25, 79);
        Assert.Equal(80 - copiedBeforeResume, stats.MessagesTransferred);
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX"));
    }

    [Fact]
    public async Task ResumesWithoutDuplicates_WhenKilledBetweenAppendAndCommit()
    {
        var (source, destination) = NewPair();
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Enumerable.Range(1, 50).Select(i => Mailbox.Message($"crash {i}", day: 1 + i % 28)).ToArray());
        var path = Path.Combine(Path.GetTempPath(), $"ligbox-state-{Guid.NewGuid():N}.json");
        try
        {
            // The fourth commit "crashes" after its batch was appended: the state file never hears of that batch. (The
            // commits: the in-progress mark, the folder's small first unit of 4, the rest of the first batch, the second.)
            var crashing = new CrashingStore(new JsonFileSyncStateStore(path), crashOnCommit: 4);
            await Assert.ThrowsAsync<InvalidOperationException>(() => new NativeImapSyncEngine(SmallBatches).SyncAsync(Request(source, destination), crashing));
            Assert.True(await Mailbox.CountAsync(servers.Destination, destination, "INBOX") > 10);

            var stats = await new NativeImapSyncEngine(SmallBatches).SyncAsync(Request(source, destination), new JsonFileSyncStateStore(path));

            Assert.True(stats.MessagesSkipped >= 10, $"the appended but unrecorded batch should be matched, skipped {stats.MessagesSkipped}");
            Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ReconnectsAndFinishesWithoutDuplicates_WhenServersDropTheConnections()
    {
        var (source, destination) = NewPair();
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Enumerable.Range(1, 60).Select(i => Mailbox.Message($"drop {i}", day: 1 + i % 28)).ToArray());
        var kicked = 0;
        var warnings = new List<string>();
        var progress = new SyncProgress(e =>
        {
            if (e.Stage == SyncProgressStage.Log && e.Message is { } line)
            {
                warnings.Add(line);
            }

            if (e.Stage == SyncProgressStage.FolderProgress && e.MailboxDone >= 20 && Interlocked.Exchange(ref kicked, 1) == 0)
            {
                // Dovecot closes every IMAP session of these users, as a server restart or a network cut would.
                Assert.Equal(0, servers.Destination.DoveadmAsync(["kick", destination.User]).GetAwaiter().GetResult().ExitCode);
                Assert.Equal(0, servers.Source.DoveadmAsync(["kick", source.User]).GetAwaiter().GetResult().ExitCode);
            }
        });
        var engine = new NativeImapSyncEngine(new NativeImapOptions { BatchSize = 10, MultiAppendSize = 4, ReconnectDelay = TimeSpan.FromMilliseconds(50) });

        var stats = await engine.SyncAsync(Request(source, destination), new InMemorySyncStateStore(), progress);

        Assert.Equal(1, kicked);
        Assert.Contains(warnings, w => w.Contains("reconnecting", StringComparison.Ordinal));
        Assert.Equal(60, stats.MessagesTransferred + stats.MessagesSkipped);
        Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX"));
    }

    [Fact]
    public async Task KeepsUnderTheRateCap_WhenMessagesPerSecondIsLimited()
    {
        var (source, destination) = NewPair();
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Enumerable.Range(1, 30).Select(i => Mailbox.Message($"slow {i}")).ToArray());
        var engine = new NativeImapSyncEngine(new NativeImapOptions { MaxMessagesPerSecond = 30, MultiAppendSize = 5 });

        var stats = await engine.SyncAsync(Request(source, destination), new InMemorySyncStateStore());

        Assert.Equal(30, stats.MessagesTransferred);
        Assert.True(stats.Duration >= TimeSpan.FromSeconds(0.8), $"30 messages at 30/s took {stats.Duration.TotalSeconds:0.00} s");
    }

    [Fact]
    public async Task CopiesOnlyWhatIsMissing_WhenAnIdentityPassIsInterruptedTwice()
    {
        var (source, destination) = NewPair();
        var messages = Enumerable.Range(1, 60).Select(i => Mailbox.Message($"twice {i}", day: 1 + i % 28)).ToArray();
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", messages);
        await Mailbox.SeedAsync(servers.Destination, destination, "INBOX", messages.Where((_, i) => i % 3 == 0).ToArray());
        var path = Path.Combine(Path.GetTempPath(), $"ligbox-state-{Guid.NewGuid():N}.json");
        try
        {
            // No state and a half-filled destination: identity mode, killed after appending, twice.
            await Assert.ThrowsAsync<InvalidOperationException>(() =>
                new NativeImapSyncEngine(SmallBatches).SyncAsync(Request(source, destination), new CrashingStore(new JsonFileSyncStateStore(path), crashOnCommit: 3)));
            // The resumed pass matches batch 2 entirely, commits batch 3 with new appends, dies on batch 4.
            await Assert.ThrowsAsync<InvalidOperationException>(() =>
                new NativeImapSyncEngine(SmallBatches).SyncAsync(Request(source, destination), new CrashingStore(new JsonFileSyncStateStore(path), crashOnCommit: 4)));

            await new NativeImapSyncEngine(SmallBatches).SyncAsync(Request(source, destination), new JsonFileSyncStateStore(path));

            Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task SyncsEveryMailboxAndReportsFailuresSeparately_WhenSyncingMany()
    {
        var (source1, destination1) = NewPair();
        var (source2, destination2) = NewPair();
        await Mailbox.SeedAsync(servers.Source, source1, "INBOX", Mailbox.Message("one"));
        await Mailbox.SeedAsync(servers.Source, source2, "INBOX", Mailbox.Message("two a"), Mailbox.Message("two b"));
        var bad = Request(source2 with { Secret = "wrong" }, destination2);
        var events = new List<SyncProgressEvent>();
        var progress = new SyncProgress(e => { lock (events) { events.Add(e); } });

        var results = await new NativeImapSyncEngine().SyncManyAsync(
            [Request(source1, destination1), Request(source2, destination2), bad], 2, new InMemorySyncStateStore(), progress);

        Assert.Equal(1, results[0].Statistics!.MessagesTransferred);
        Assert.Equal(2, results[1].Statistics!.MessagesTransferred);
        Assert.Equal(ImapFailureKind.AuthenticationFailed, results[2].Failure!.Kind);
        Assert.Contains(events, e => e.Stage == SyncProgressStage.MailboxCompleted && e.MailboxKey == results[1].Request.EffectiveMailboxKey);
    }

    [Fact]
    public async Task FinishesEveryMailbox_WhenConnectionsPerServerAreScarceAndBothSidesShareAServer()
    {
        // Accounts moved within one server: source and destination take slots from the same cap of 2.
        var requests = new List<SyncRequest>();
        for (var i = 0; i < 3; i++)
        {
            var source = servers.NewAccount(servers.Source, "same-src");
            var destination = servers.NewAccount(servers.Source, "same-dst");
            await Mailbox.SeedAsync(servers.Source, source, "INBOX", Mailbox.Message($"same server {i} a"), Mailbox.Message($"same server {i} b"));
            requests.Add(Request(source, destination));
        }

        var engine = new NativeImapSyncEngine(new NativeImapOptions { MaxConnectionsPerServer = 2 });
        var results = await engine.SyncManyAsync(requests, 3, new InMemorySyncStateStore()).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(results, r => Assert.Equal(2, r.Statistics!.MessagesTransferred));
    }

    [Fact]
    public async Task NeverWritesSecrets_WhenProtocolLogIsOn()
    {
        var (source, destination) = NewPair();
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Mailbox.Message("logged"));
        var dir = Directory.CreateTempSubdirectory("ligbox-protolog-").FullName;
        try
        {
            var engine = new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = dir });
            await engine.SyncAsync(Request(source, destination), new InMemorySyncStateStore());
            await engine.SyncAsync(Request(source with { Mechanism = ImapAuthMechanism.Login }, destination), new InMemorySyncStateStore());

            var logs = Directory.GetFiles(dir).Select(File.ReadAllText).ToList();
            Assert.NotEmpty(logs);
            Assert.Contains(logs, l => l.Contains("APPEND", StringComparison.Ordinal));
            Assert.DoesNotContain(logs, l => l.Contains(source.Secret, StringComparison.Ordinal) || l.Contains(destination.Secret, StringComparison.Ordinal));
            var base64 = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"\0{source.User}\0{source.Secret}"));
            Assert.DoesNotContain(logs, l => l.Contains(base64, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; posts to the thread pool, too late to cancel precisely).</summary>
    private sealed class SyncProgress(Action<SyncProgressEvent> handler) : IProgress<SyncProgressEvent>
    {
        public void Report(SyncProgressEvent value) => handler(value);
    }

    private sealed class CrashingStore(ISyncStateStore inner, int crashOnCommit) : ISyncStateStore
    {
        private int _commits;

        public Task<FolderSyncState?> GetFolderAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default) =>
            inner.GetFolderAsync(mailboxKey, sourceFolder, cancellationToken);

        public Task CommitAsync(string mailboxKey, FolderSyncCommit commit, CancellationToken cancellationToken = default) =>
            ++_commits == crashOnCommit
                ? throw new InvalidOperationException("simulated crash before the commit reached the disk")
                : inner.CommitAsync(mailboxKey, commit, cancellationToken);
    }
}
