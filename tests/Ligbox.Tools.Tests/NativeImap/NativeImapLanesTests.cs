using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Statistics;
using MailKit;

namespace Ligbox.Tools.Tests.NativeImap;

/// <summary>
/// Issue 18: a mailbox's folders are copied on several lanes (a source and a destination connection each), every
/// folder's appends on one connection: the server serialises appends into one folder, so connections appending into
/// the same folder only waited on each other. Checked on the engine's own protocol logs (one file per connection).
/// </summary>
[Collection(ImapServersCollection.Name)]
public sealed partial class NativeImapLanesTests(ImapServersFixture servers)
{
    [GeneratedRegex(@"^C: \S+ APPEND (""[^""]+""|\S+)", RegexOptions.Multiline)]
    private static partial Regex AppendCommand();

    [GeneratedRegex(@"^C: \S+ EXAMINE (""[^""]+""|\S+)", RegexOptions.Multiline)]
    private static partial Regex ExamineCommand();

    [GeneratedRegex(@"^C: \S+ CREATE (""[^""]+""|\S+)", RegexOptions.Multiline)]
    private static partial Regex CreateCommand();

    private static SyncRequest Request(ImapEndpoint source, ImapEndpoint destination, SyncKind kind = SyncKind.Initial, string? prefix = null) =>
        new() { Source = source, Destination = destination, Kind = kind, Mapping = new FolderMappingOptions { DestinationPrefix = prefix } };

    private async Task<(ImapEndpoint Source, ImapEndpoint Destination)> SeedFoldersAsync(int folders, int perFolder)
    {
        var source = servers.NewAccount(servers.Source, "lanes-src");
        var destination = servers.NewAccount(servers.Destination, "lanes-dst");
        for (var f = 0; f < folders; f++)
        {
            await Mailbox.SeedAsync(servers.Source, source, $"Pasta{f}",
                Enumerable.Range(0, perFolder).Select(i => Mailbox.Message($"pasta {f} mensagem {i}", MessageFlags.Seen, day: i + 1)).ToArray());
        }

        return (source, destination);
    }

    private static Dictionary<string, HashSet<string>> AppendFoldersByConnection(string dir) =>
        Directory.GetFiles(dir, "destination-*.log").ToDictionary(
            f => Path.GetFileName(f)!,
            f => AppendCommand().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value.Trim('"')).ToHashSet(StringComparer.Ordinal));

    /// <summary>
    /// Six folders copied on up to three lanes (whatever their size), the protocol logs kept in <paramref name="dir"/>;
    /// with <paramref name="destinationLatency"/>, the destination answers that late.
    /// </summary>
    private async Task<(ImapEndpoint Source, ImapEndpoint Destination)> SyncSixFoldersOnLanesAsync(string dir, int perFolder, TimeSpan? destinationLatency = null)
    {
        var (source, _) = await SeedFoldersAsync(folders: 6, perFolder);
        await using var slow = destinationLatency is { } latency ? new LatencyRelay(servers.Destination.Port, latency) : null;
        var (stats, destination) = await WithoutReconnectAsync(dir, (target, progress) =>
            new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = dir, MultiAppendSize = 4, BatchSize = 5, AppendConnectionsPerMailbox = 3, MessagesPerExtraLane = 0 })
                .SyncAsync(Request(source, slow is null ? target : target with { Port = slow.Port }), new InMemorySyncStateStore(), progress));

        Assert.Equal(6 * perFolder, stats.MessagesTransferred);
        Assert.Equal(0, stats.Errors);
        return (source, destination);
    }

    /// <summary>
    /// Runs a pass whose protocol logs a test counts into a new destination account (the source is only read), and again
    /// into another one with <paramref name="dir"/> emptied (three passes at most) when the engine reported reconnecting
    /// a lane: a reconnect opens one more connection on each side, so the logs then show a server's dropped connection,
    /// not the lanes' plan. Seen here on a loaded machine, in one
    /// run of the suite in a few: lane 0's CREATE and another lane's SELECT unanswered, both lanes reconnected, the copy
    /// whole. (Dovecot 2.3 can kill one of a user's imap processes when two of them lock each other's index files:
    /// fcntl EDEADLK, which the bench counts.) Whether the copy survives a drop is the reconnect tests' business.
    /// </summary>
    /// <returns>The figures of the pass without a reconnect, and its destination account.</returns>
    private async Task<(SyncStatistics Stats, ImapEndpoint Destination)> WithoutReconnectAsync(
        string dir, Func<ImapEndpoint, IProgress<SyncProgressEvent>, Task<SyncStatistics>> pass)
    {
        var reported = new List<string>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            foreach (var file in Directory.GetFiles(dir))
            {
                File.Delete(file);
            }

            var reconnects = new Reconnects();
            var destination = servers.NewAccount(servers.Destination, "lanes-dst");
            var stats = await pass(destination, reconnects);
            if (reconnects.Count == 0)
            {
                return (stats, destination);
            }

            reported.Add($"{reconnects}\n{servers.Destination.ReadLogTail(10)}");
        }

        throw new Xunit.Sdk.XunitException("every pass reconnected a lane:\n" + string.Join("\n--\n", reported));
    }

    /// <summary>The engine's reports of reconnecting a lane (its warnings, reported as they happen).</summary>
    private sealed class Reconnects : IProgress<SyncProgressEvent>
    {
        private readonly ConcurrentQueue<string> _messages = new();

        public int Count => _messages.Count;

        public void Report(SyncProgressEvent value)
        {
            if (value.Stage == SyncProgressStage.Log && value.Message is { } message && message.Contains("reconnecting", StringComparison.Ordinal))
            {
                _messages.Enqueue(message);
            }
        }

        public override string ToString() => string.Join("; ", _messages);
    }

    [Fact]
    public async Task EachFolderIsAppendedOnOneConnection_AndFoldersRunOnSeveralLanes()
    {
        var dir = Directory.CreateTempSubdirectory("ligbox-lanes-").FullName;
        try
        {
            var (source, destination) = await SyncSixFoldersOnLanesAsync(dir, perFolder: 12);
            for (var f = 0; f < 6; f++)
            {
                Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, $"Pasta{f}"), await Mailbox.SnapshotAsync(servers.Destination, destination, $"Pasta{f}"));
            }

            var byConnection = AppendFoldersByConnection(dir);
            var appending = byConnection.Where(c => c.Value.Count > 0).ToList();
            // Several lanes took folders (at most the 3 allowed)...
            Assert.InRange(appending.Count, 2, 3);
            Assert.InRange(Directory.GetFiles(dir, "source-*.log").Length, 2, 3);
            // ...and no folder was appended on two connections.
            var folders = appending.SelectMany(c => c.Value).ToList();
            Assert.Equal(6, folders.Count);
            Assert.Equal(6, folders.Distinct(StringComparer.Ordinal).Count());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task MissingDestinationFolders_AreAllCreatedOnOneConnection_BeforeItAppends()
    {
        // Created while other lanes append, each CREATE and SUBSCRIBE changes the account's folder list under the lock
        // every APPEND takes: the engine creates them all first, on lane 0, and the other lanes copy into them after
        // that (into folders that exist already meanwhile: none here).
        var dir = Directory.CreateTempSubdirectory("ligbox-lanes-").FullName;
        try
        {
            // The destination answers 20 ms late: on a loaded machine the other lanes' logins could otherwise finish
            // after lane 0 had created and copied all six small folders alone.
            await SyncSixFoldersOnLanesAsync(dir, perFolder: 8, TimeSpan.FromMilliseconds(20));
            var logs = Directory.GetFiles(dir, "destination-*.log").Select(File.ReadAllText).ToList();
            // Still several lanes appending...
            Assert.InRange(logs.Count(l => AppendCommand().IsMatch(l)), 2, 3);
            // ...but one connection created all six folders, every CREATE before its first APPEND.
            var creating = Assert.Single(logs, l => CreateCommand().IsMatch(l));
            var creates = CreateCommand().Matches(creating);
            Assert.Equal(
                Enumerable.Range(0, 6).Select(f => $"Pasta{f}").Order(StringComparer.Ordinal),
                creates.Select(m => m.Groups[1].Value.Trim('"')).Order(StringComparer.Ordinal));
            var firstAppend = AppendCommand().Match(creating);
            Assert.True(!firstAppend.Success || creates[^1].Index < firstAppend.Index, "a folder was created after the first APPEND");
            // Each was looked for once before its CREATE (the LIST that follows a CREATE is MailKit's, without RETURN).
            for (var f = 0; f < 6; f++)
            {
                Assert.Single(creating.Split('\n'), l => l.Contains($" LIST \"\" Pasta{f} RETURN", StringComparison.Ordinal));
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task WhileLane0CreatesTheMissingFolders_AnotherLaneCopiesAFolderThatExists()
    {
        // INBOX exists on any destination; three folders do not. Lane 0 takes the biggest (Pasta0) and creates the three
        // first; the other lane copies INBOX meanwhile instead of waiting. The destination answers 150 ms late, so the
        // creating takes seconds and the order is plain.
        var source = servers.NewAccount(servers.Source, "lanes-src");
        await Mailbox.SeedAsync(servers.Source, source, "INBOX",
            Enumerable.Range(0, 20).Select(i => Mailbox.Message($"entrada {i}", day: i + 1)).ToArray());
        for (var f = 0; f < 3; f++)
        {
            await Mailbox.SeedAsync(servers.Source, source, $"Pasta{f}",
                Enumerable.Range(0, f == 0 ? 30 : 10).Select(i => Mailbox.Message($"pasta {f} mensagem {i}", MessageFlags.Seen, day: i + 1)).ToArray());
        }

        await using var slow = new LatencyRelay(servers.Destination.Port, TimeSpan.FromMilliseconds(150));
        var dir = Directory.CreateTempSubdirectory("ligbox-lanes-").FullName;
        try
        {
            var (stats, destination) = await WithoutReconnectAsync(dir, (target, progress) =>
                new NativeImapSyncEngine(new NativeImapOptions
                {
                    ProtocolLogDirectory = dir, ProtocolLogTimestamps = true, AppendConnectionsPerMailbox = 2, MessagesPerExtraLane = 0,
                }).SyncAsync(Request(source, target with { Port = slow.Port }), new InMemorySyncStateStore(), progress));

            Assert.Equal(70, stats.MessagesTransferred);
            foreach (var folder in new[] { "INBOX", "Pasta0", "Pasta1", "Pasta2" })
            {
                Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, folder), await Mailbox.SnapshotAsync(servers.Destination, destination, folder));
            }

            var commands = TimedProtocolLogs.Commands(dir, "destination");
            var creates = commands.Where(c => c.Command == "CREATE").ToList();
            Assert.Equal(3, creates.Count);
            var creating = Assert.Single(creates.Select(c => c.Log).Distinct());
            var inboxAppends = commands.Where(c => c.Command == "APPEND" && c.Args.StartsWith(" INBOX ", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(inboxAppends);
            Assert.All(inboxAppends, c => Assert.NotEqual(creating, c.Log));
            Assert.True(inboxAppends[0].At < creates[^1].At, $"INBOX's first APPEND at {inboxAppends[0].At}, after the last CREATE at {creates[^1].At}");
            // Lane 0 still appends only once every folder is created.
            Assert.True(commands.Where(c => c.Log == creating && c.Command == "APPEND").All(c => c.At > creates[^1].At));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task NoChangeDelta_OpensOneLaneOnly_AndAsksTheDestinationForNoSizes()
    {
        var (source, destination) = await SeedFoldersAsync(folders: 4, perFolder: 3);
        var state = new InMemorySyncStateStore();
        await new NativeImapSyncEngine(new NativeImapOptions()).SyncAsync(Request(source, destination), state);
        var dir = Directory.CreateTempSubdirectory("ligbox-lanes-").FullName;
        try
        {
            var engine = new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = dir });

            var stats = await engine.SyncAsync(Request(source, destination, SyncKind.Delta), state);

            Assert.Equal(0, stats.MessagesTransferred);
            Assert.Single(Directory.GetFiles(dir, "source-*.log"));
            var destinationLog = Assert.Single(Directory.GetFiles(dir, "destination-*.log"));
            var sourceLog = Directory.GetFiles(dir, "source-*.log")[0];
            // STATUS SIZE makes a server read every message it has no size for: only the source's sizes are used.
            Assert.Contains("SIZE", ListStatusLine(File.ReadAllText(sourceLog)), StringComparison.Ordinal);
            Assert.DoesNotContain("SIZE", ListStatusLine(File.ReadAllText(destinationLog)), StringComparison.Ordinal);
            Assert.Equal(0, engine.Commands.Count("FETCH"));
            Assert.True(engine.Commands.Elapsed("LIST") > TimeSpan.Zero, engine.Commands.Describe());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task InitialPass_ListsTheSourceWithoutSizes_AndReadsThemOnceItHasCopied()
    {
        var (source, destination) = await SeedFoldersAsync(folders: 3, perFolder: 4);
        var dir = Directory.CreateTempSubdirectory("ligbox-lanes-").FullName;
        try
        {
            var stats = await new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = dir, AppendConnectionsPerMailbox = 1 })
                .SyncAsync(Request(source, destination), new InMemorySyncStateStore());

            Assert.Equal(12, stats.MessagesTransferred);
            // STATUS SIZE makes a server without the sizes cached read every message before the pass could start (Dovecot
            // on a maildir it did not write: 9-12 s for 300,000 messages): the pass lists the source without them ...
            var sent = File.ReadAllText(Assert.Single(Directory.GetFiles(dir, "source-*.log"))).Split('\n')
                .Select((line, i) => (Line: line, At: i)).Where(l => l.Line.StartsWith("C: ", StringComparison.Ordinal)).ToList();
            var listings = sent.Where(l => l.Line.Contains(" LIST ", StringComparison.Ordinal) && l.Line.Contains("STATUS (", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, listings.Count);
            Assert.DoesNotContain("SIZE", listings[0].Line, StringComparison.Ordinal);
            // ... and asks for them once, after the last message was read (the sizes are the run's figures: the gate's
            // byte ratio, the reports).
            Assert.Contains("SIZE", listings[1].Line, StringComparison.Ordinal);
            var lastBody = sent.Last(l => l.Line.Contains("BODY.PEEK[]", StringComparison.Ordinal)).At;
            Assert.True(listings[1].At > lastBody, $"the sizes were asked for at line {listings[1].At}, before the last body fetch at line {lastBody}");

            using var client = await servers.Source.ConnectAsync(source.User, source.Secret);
            long expected = 0;
            foreach (var name in new[] { "Pasta0", "Pasta1", "Pasta2" })
            {
                var folder = await client.GetFolderAsync(name);
                await folder.StatusAsync(StatusItems.Size);
                expected += (long)(folder.Size ?? 0);
            }

            Assert.True(expected > 0);
            Assert.Equal(expected, stats.SourceBytes);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static string ListStatusLine(string log) =>
        log.Split('\n').FirstOrDefault(l => l.StartsWith("C: ", StringComparison.Ordinal) && l.Contains("LIST", StringComparison.Ordinal) && l.Contains("STATUS (", StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException("no LIST ... RETURN (STATUS ...) in the log:\n" + log);

    [Fact]
    public async Task LanesCreatingTheSameNewParent_AllSucceed()
    {
        // Every folder goes under one prefix the destination does not have yet: the lanes race to create it.
        var (source, destination) = await SeedFoldersAsync(folders: 8, perFolder: 2);
        var engine = new NativeImapSyncEngine(new NativeImapOptions { AppendConnectionsPerMailbox = 4 });

        var stats = await engine.SyncAsync(Request(source, destination, prefix: "Importado"), new InMemorySyncStateStore());

        Assert.Equal(16, stats.MessagesTransferred);
        Assert.Equal(0, stats.Errors);
        for (var f = 0; f < 8; f++)
        {
            Assert.Equal(2, (await Mailbox.SnapshotAsync(servers.Destination, destination, $"Importado/Pasta{f}")).Count);
        }
    }

    [Fact]
    public async Task AFolderFailing_OnOneLane_FailsTheRun_AndStopsTheOthers()
    {
        var (source, destination) = await SeedFoldersAsync(folders: 5, perFolder: 4);
        var state = new FailingStore(new InMemorySyncStateStore(), "Pasta2");
        var engine = new NativeImapSyncEngine(new NativeImapOptions { AppendConnectionsPerMailbox = 3 });

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => engine.SyncAsync(Request(source, destination), state).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("Pasta2", ex.Message, StringComparison.Ordinal);
    }

    private sealed class FailingStore(ISyncStateStore inner, string folder) : ISyncStateStore
    {
        public Task<FolderSyncState?> GetFolderAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default) =>
            inner.GetFolderAsync(mailboxKey, sourceFolder, cancellationToken);

        public Task CommitAsync(string mailboxKey, FolderSyncCommit commit, CancellationToken cancellationToken = default) =>
            commit.Checkpoint.SourceFolder == folder
                ? throw new InvalidOperationException($"state store refused {folder}")
                : inner.CommitAsync(mailboxKey, commit, cancellationToken);
    }

    [Fact]
    public async Task TheBiggestFoldersAreCopiedFirst()
    {
        // Listed (and mapped) A, B, C; by size B, C, A. Taken in list order, B would start last and copy alone at the end.
        var source = servers.NewAccount(servers.Source, "lanes-src");
        var destination = servers.NewAccount(servers.Destination, "lanes-dst");
        foreach (var (folder, count) in new[] { ("A", 2), ("B", 20), ("C", 7) })
        {
            await Mailbox.SeedAsync(servers.Source, source, folder,
                Enumerable.Range(0, count).Select(i => Mailbox.Message($"{folder} {i}", day: i % 28 + 1)).ToArray());
        }

        var dir = Directory.CreateTempSubdirectory("ligbox-lanes-").FullName;
        try
        {
            var engine = new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = dir, AppendConnectionsPerMailbox = 1 });

            var stats = await engine.SyncAsync(Request(source, destination), new InMemorySyncStateStore());

            Assert.Equal(29, stats.MessagesTransferred);
            var log = File.ReadAllText(Assert.Single(Directory.GetFiles(dir, "source-*.log")));
            var examined = ExamineCommand().Matches(log).Select(m => m.Groups[1].Value.Trim('"')).Where(f => f is "A" or "B" or "C").ToList();
            Assert.Equal(["B", "C", "A"], examined);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task TheLanesShareTheMailboxsBatchBudget()
    {
        // 16 messages of ~5.3 KB, BatchBytes 24,000 over 4 lanes: each lane's batch holds at most 6,000 bytes, so every
        // message is a batch of its own (one body FETCH each). With the whole budget per lane, 4 lanes could hold 4 ×
        // 3 batches of 24,000 bytes: four times the memory the setting promises.
        var source = servers.NewAccount(servers.Source, "lanes-src");
        await Mailbox.SeedAsync(servers.Source, source, "INBOX",
            Enumerable.Range(0, 16).Select(i => Mailbox.Message($"budget {i}", day: i + 1, body: new string('x', 5000))).ToArray());
        var dir = Directory.CreateTempSubdirectory("ligbox-lanes-").FullName;
        try
        {
            var (stats, destination) = await WithoutReconnectAsync(dir, (target, progress) =>
                new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = dir, BatchBytes = 24_000, AppendConnectionsPerMailbox = 4 })
                    .SyncAsync(Request(source, target), new InMemorySyncStateStore(), progress));

            Assert.Equal(16, stats.MessagesTransferred);
            Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "INBOX"), await Mailbox.SnapshotAsync(servers.Destination, destination, "INBOX"));
            var bodyFetches = Directory.GetFiles(dir, "source-*.log").Sum(f => Regex.Matches(File.ReadAllText(f), @"BODY\.PEEK\[\]").Count);
            Assert.Equal(16, bodyFetches);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task IdentityHeadersAreFetchedOnlyWhenTheDestinationHasMessagesToMatch()
    {
        var (source, destination) = await SeedFoldersAsync(folders: 1, perFolder: 6);
        var first = Directory.CreateTempSubdirectory("ligbox-lanes-").FullName;
        var second = Directory.CreateTempSubdirectory("ligbox-lanes-").FullName;
        try
        {
            // Into an empty folder: nothing to match, so no Message-ID is asked of the source.
            var stats = await new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = first }).SyncAsync(Request(source, destination), new InMemorySyncStateStore());
            Assert.Equal(6, stats.MessagesTransferred);
            Assert.DoesNotContain("HEADER.FIELDS", string.Concat(Directory.GetFiles(first, "source-*.log").Select(File.ReadAllText)));

            // Without sync state, into the now full folder: matched by identity, nothing copied twice.
            stats = await new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = second }).SyncAsync(Request(source, destination), new InMemorySyncStateStore());
            Assert.Equal(0, stats.MessagesTransferred);
            Assert.Equal(6, stats.MessagesSkipped);
            Assert.Contains("HEADER.FIELDS (MESSAGE-ID)", string.Concat(Directory.GetFiles(second, "source-*.log").Select(File.ReadAllText)));
            Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, "Pasta0"), await Mailbox.SnapshotAsync(servers.Destination, destination, "Pasta0"));
        }
        finally
        {
            Directory.Delete(first, recursive: true);
            Directory.Delete(second, recursive: true);
        }
    }

    [Fact]
    public async Task ASmallMailbox_IsCopiedOnOneLane_AndABigEnoughOneOnMore()
    {
        // Six folders of 12: 60 messages wait once lane 0 has its folder. By default (500 messages per extra lane) no
        // extra lane pays for its two logins; at 30 messages per lane, two more lanes open (three allowed).
        var (source, _) = await SeedFoldersAsync(folders: 6, perFolder: 12);
        var small = Directory.CreateTempSubdirectory("ligbox-lanes-").FullName;
        var big = Directory.CreateTempSubdirectory("ligbox-lanes-").FullName;
        try
        {
            var (stats, _) = await WithoutReconnectAsync(small, (target, progress) =>
                new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = small, AppendConnectionsPerMailbox = 4 })
                    .SyncAsync(Request(source, target), new InMemorySyncStateStore(), progress));
            Assert.Equal(72, stats.MessagesTransferred);
            Assert.Single(Directory.GetFiles(small, "source-*.log"));
            Assert.Single(Directory.GetFiles(small, "destination-*.log"));

            (stats, var other) = await WithoutReconnectAsync(big, (target, progress) =>
                new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = big, AppendConnectionsPerMailbox = 4, MessagesPerExtraLane = 30 })
                    .SyncAsync(Request(source, target), new InMemorySyncStateStore(), progress));
            Assert.Equal(72, stats.MessagesTransferred);
            // Lane 0 and at most two more (60 / 30), not the three allowed; an extra lane that finds the queue empty
            // when it is ready does not log in.
            Assert.InRange(Directory.GetFiles(big, "source-*.log").Length, 2, 3);
            for (var f = 0; f < 6; f++)
            {
                Assert.Equal(await Mailbox.SnapshotAsync(servers.Source, source, $"Pasta{f}"), await Mailbox.SnapshotAsync(servers.Destination, other, $"Pasta{f}"));
            }
        }
        finally
        {
            Directory.Delete(small, recursive: true);
            Directory.Delete(big, recursive: true);
        }
    }

    [Fact]
    public async Task NoMoreLanesOpenThanFoldersAreWaiting()
    {
        // Two folders, four lanes allowed: lane 0 takes the big one, one more lane the small one; two more would only
        // log in and find nothing left to do.
        var source = servers.NewAccount(servers.Source, "lanes-src");
        await Mailbox.SeedAsync(servers.Source, source, "Grande", Enumerable.Range(0, 20).Select(i => Mailbox.Message($"grande {i}", day: i + 1)).ToArray());
        await Mailbox.SeedAsync(servers.Source, source, "INBOX", Mailbox.Message("pequena"));
        var dir = Directory.CreateTempSubdirectory("ligbox-lanes-").FullName;
        try
        {
            var (stats, _) = await WithoutReconnectAsync(dir, (target, progress) =>
                new NativeImapSyncEngine(new NativeImapOptions { ProtocolLogDirectory = dir, AppendConnectionsPerMailbox = 4, MessagesPerExtraLane = 0 })
                    .SyncAsync(Request(source, target), new InMemorySyncStateStore(), progress));

            Assert.Equal(21, stats.MessagesTransferred);
            // Lane 0 and one more for the second folder. On a loaded machine the second lane may be ready only after lane
            // 0 has taken both folders: it then finds nothing waiting and does not log in (one lane). Never three or four.
            var lanes = Directory.GetFiles(dir, "source-*.log").Length;
            Assert.InRange(lanes, 1, 2);
            Assert.Equal(lanes, Directory.GetFiles(dir, "destination-*.log").Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
