using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Ligbox.Core.Jobs;
using Ligbox.Core.Nodes;
using Ligbox.Core.Persistence;
using Ligbox.Core.Runs;
using Ligbox.Core.Tests.Infrastructure;
using Ligbox.Core.Tests.PostgreSql;
using Ligbox.Testing.PostgreSql;
using Ligbox.Tools.NativeImap;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ligbox.Core.Tests.Nodes;

/// <summary>
/// Live progress across nodes (issue 17): two nodes, each with its own pair of notifiers and its own backplane, as two
/// console processes would have, on one real PostgreSQL. What is reported on node A reaches node B's subscribers with
/// the same figures and lines in order, once; nothing comes back to A; big updates are split under the NOTIFY limit;
/// a dropped listening connection is replaced.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlLiveBackplaneTests(PostgreSqlServer pg)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ARunsProgressLinesStatusAndClear_ReachTheOtherNode_OnceAndInOrder_AndNothingEchoesBack()
    {
        var cs = await pg.CreateDatabaseAsync();
        await using var a = await LiveNode.StartAsync(cs);
        await using var b = await LiveNode.StartAsync(cs);
        var (job, run) = (Guid.NewGuid(), Guid.NewGuid());

        a.Runs.RunChanged(job, run);
        await WaitUntilAsync(() => b.StatusUpdates(run) == 1, "the start reached node B");

        for (var i = 1; i <= 60; i++)
        {
            Report(a.Runs, job, run, "ana@example.com", SyncProgressStage.FolderProgress, "INBOX", i, 120, i);
            Report(a.Runs, job, run, "bob@example.com", SyncProgressStage.FolderProgress, "Sent", i * 2, 300, i * 2);
            a.Runs.Line(job, run, $"2026-12-04 19:00:00 [ana@example.com] line {i}");
            if (i % 20 == 0)
            {
                await Task.Delay(150); // several debounced rounds, several relays
            }
        }

        await WaitUntilAsync(() => b.Runs.GetLinesSince(run, 0).Count == 60 && Same(a.Runs.GetProgress(run), b.Runs.GetProgress(run)),
            "node B has node A's lines and figures");
        Assert.Equal(a.Runs.GetLinesSince(run, 0).Select(l => (l.Seq, l.Text)), b.Runs.GetLinesSince(run, 0).Select(l => (l.Seq, l.Text)));
        Assert.Equal(2, b.Runs.GetProgress(run).Count);
        Assert.Equal(60, b.Runs.GetProgress(run).Single(m => m.Mailbox == "ana@example.com").Done);
        Assert.True(b.FigureUpdates(run) >= 1, "node B's subscribers were told of the figures");

        // The run ends: its last figures and lines, then the clear and the status.
        Report(a.Runs, job, run, "ana@example.com", SyncProgressStage.MailboxCompleted, "INBOX", 120, 120, 120);
        a.Runs.Line(job, run, "2026-12-04 19:00:01 Succeeded.");
        a.Runs.ClearProgress(run);
        a.Runs.RunChanged(job, run);
        await WaitUntilAsync(() => b.StatusUpdates(run) == 2, "the end reached node B");
        Assert.Empty(b.Runs.GetProgress(run));
        Assert.True(Same(a.Runs.GetFinalProgress(run), b.Runs.GetFinalProgress(run)), Json(b.Runs.GetFinalProgress(run)));
        Assert.Equal(120, b.Runs.GetFinalProgress(run).Single(m => m.Mailbox == "ana@example.com").Done);
        // The lines written before the end are there when node B's subscribers hear of the end.
        Assert.Equal("2026-12-04 19:00:01 Succeeded.", b.LinesAtStatus[^1]);

        // Job changes cross too, once.
        a.Jobs.Publish(job, JobChangeKinds.Runs);
        await WaitUntilAsync(() => b.JobChanges.Count == 1, "the job change reached node B");
        Assert.Equal((job, JobChangeKinds.Runs), b.JobChanges.Single());

        // Settle, then: B was told each status once, relayed nothing of its own, and A received nothing back.
        await Task.Delay(1500);
        Assert.Equal(2, b.StatusUpdates(run));
        Assert.Equal(0, b.RunRelays + b.JobRelays);
        Assert.Equal(61, a.Runs.GetLinesSince(run, 0).Count);
        Assert.Equal(61, b.Runs.GetLinesSince(run, 0).Count);
        Assert.Equal(2, a.StatusUpdates(run));
        Assert.Equal((job, JobChangeKinds.Runs), a.JobChanges.Single());
    }

    [Fact]
    public async Task AnUpdateTooBigForOneNotify_ArrivesSplit_WithCompletedFoldersDroppedFromAMailboxTooBigAlone()
    {
        var cs = await pg.CreateDatabaseAsync();
        await using var a = await LiveNode.StartAsync(cs);
        await using var b = await LiveNode.StartAsync(cs);
        var (job, run) = (Guid.NewGuid(), Guid.NewGuid());
        var sent = new ConcurrentBag<RunRelay>();
        a.Runs.LocalChange += sent.Add;

        // One mailbox with 300 completed folders of long names (about 30 kB of figures) and one still open.
        const string huge = "huge@example.com";
        for (var f = 0; f < 300; f++)
        {
            var folder = $"Archive/{f:D4}/" + new string('x', 60);
            Report(a.Runs, job, run, huge, SyncProgressStage.FolderStarted, folder, 0, 10, f * 10);
            Report(a.Runs, job, run, huge, SyncProgressStage.FolderCompleted, folder, 10, 10, f * 10 + 10);
        }

        Report(a.Runs, job, run, huge, SyncProgressStage.FolderProgress, "INBOX", 4, 9, 3004);
        // Four small mailboxes and 150 lines of 300 characters (about 45 kB), one of 5000 characters.
        for (var m = 0; m < 4; m++)
        {
            Report(a.Runs, job, run, $"m{m}@example.com", SyncProgressStage.FolderProgress, "INBOX", m, 10, m);
        }

        for (var i = 0; i < 150; i++)
        {
            a.Runs.Line(job, run, $"2026-12-04 19:00:00 line {i:D3} " + new string('é', 300));
        }

        a.Runs.Line(job, run, "2026-12-04 19:00:00 long " + new string('y', 5000));

        await WaitUntilAsync(() => b.Runs.GetLinesSince(run, 0).Count == 151 && b.Runs.GetProgress(run).Count == 5, "node B has every line and mailbox");
        // Usually one relay (all of it was reported within one debounce round), else a few.
        var payloads = sent.SelectMany(relay => PostgreSqlLiveBackplane.Split(a.Backplane.InstanceId, relay)).ToList();
        Assert.True(payloads.Count > 5, $"{payloads.Count} payloads");
        Assert.All(payloads, p => Assert.True(Encoding.UTF8.GetByteCount(p) < 8000, $"{Encoding.UTF8.GetByteCount(p)} bytes"));

        var linesA = a.Runs.GetLinesSince(run, 0);
        var linesB = b.Runs.GetLinesSince(run, 0);
        Assert.Equal(linesA.Take(150).Select(l => l.Text), linesB.Take(150).Select(l => l.Text));
        Assert.Equal(linesA[^1].Text[..PostgreSqlLiveBackplane.MaxLineChars] + "…", linesB[^1].Text);

        var hugeB = b.Runs.GetProgress(run).Single(m => m.Mailbox == huge);
        var hugeA = a.Runs.GetProgress(run).Single(m => m.Mailbox == huge);
        Assert.Equal((hugeA.Done, hugeA.Total, hugeA.Folder), (hugeB.Done, hugeB.Total, hugeB.Folder));
        Assert.Equal(301, hugeA.Folders.Count);
        Assert.Equal([new FolderProgress("INBOX", 4, 9, false)], hugeB.Folders);
        Assert.True(Same(a.Runs.GetProgress(run).Where(m => m.Mailbox != huge).ToList(), b.Runs.GetProgress(run).Where(m => m.Mailbox != huge).ToList()));
    }

    [Fact]
    public async Task ADroppedListeningConnection_IsReplaced_AndLaterUpdatesArrive()
    {
        var cs = await pg.CreateDatabaseAsync();
        await using var a = await LiveNode.StartAsync(cs);
        await using var b = await LiveNode.StartAsync(cs);
        var (job, run) = (Guid.NewGuid(), Guid.NewGuid());
        a.Runs.Line(job, run, "before");
        await WaitUntilAsync(() => b.Runs.GetLines(run).Count == 1, "the first line reached node B");

        var pid = b.Backplane.ListenerProcessId;
        Assert.NotEqual(0, pid);
        await using (var admin = new NpgsqlConnection(cs))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", admin);
            kill.Parameters.AddWithValue("pid", pid);
            Assert.True((bool)(await kill.ExecuteScalarAsync())!);
        }

        await WaitUntilAsync(() => b.Backplane.ListenConnects == 2 && b.Backplane.ListenerProcessId is var now && now != 0 && now != pid, "node B listens again");
        a.Runs.Line(job, run, "after");
        await WaitUntilAsync(() => b.Runs.GetLines(run).Count == 2, "a line sent after the reconnect reached node B");
        Assert.Equal(["before", "after"], b.Runs.GetLines(run));
    }

    [Fact]
    public async Task TheBackplane_RunsOnPostgreSql_AndIsNotRegisteredOnSqlite()
    {
        await using (var sqlite = await CoreHost.StartAsync())
        {
            Assert.Null(sqlite.Services.GetService<PostgreSqlLiveBackplane>());
        }

        await using var postgres = await CoreHost.StartAsync(postgres: pg);
        var backplane = postgres.Services.GetRequiredService<PostgreSqlLiveBackplane>();
        await backplane.Listening.WaitAsync(Timeout);
        Assert.NotEqual(0, backplane.ListenerProcessId);
    }

    private static void Report(RunProgressNotifier notifier, Guid job, Guid run, string mailbox, SyncProgressStage stage, string folder, long folderDone, long folderTotal,
        long mailboxDone) =>
        notifier.Report(job, run, mailbox, new SyncProgressEvent
        {
            MailboxKey = mailbox, Stage = stage, Folder = folder, FolderDone = folderDone, FolderTotal = folderTotal, MailboxDone = mailboxDone, MailboxTotal = 5000,
            BytesTransferred = mailboxDone * 1000, MessagesPerSecond = 12.5, EstimatedRemaining = TimeSpan.FromSeconds(90),
        });

    private static bool Same(IReadOnlyList<MailboxProgress> a, IReadOnlyList<MailboxProgress> b) => Json(a) == Json(b);

    private static string Json(IReadOnlyList<MailboxProgress> progress) => JsonSerializer.Serialize(progress);

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(sw.Elapsed < Timeout, $"timed out waiting until {what}");
            await Task.Delay(25);
        }
    }

    /// <summary>One node's live parts: its notifiers, its backplane, and what its subscribers were told.</summary>
    private sealed class LiveNode : IAsyncDisposable
    {
        private readonly ConcurrentQueue<RunUpdate> _updates = new();
        private readonly IDisposable _runSubscription;
        private readonly IDisposable _jobSubscription;
        private int _runRelays;
        private int _jobRelays;

        private LiveNode(string cs)
        {
            Backplane = new PostgreSqlLiveBackplane(Runs, Jobs, new LigboxDatabase(DatabaseProvider.PostgreSQL, cs),
                new NodeIdentity(Options.Create(new NodeOptions())), NullLogger<PostgreSqlLiveBackplane>.Instance);
            _runSubscription = Runs.SubscribeAll(u =>
            {
                if (u.StatusChanged)
                {
                    LinesAtStatus = Runs.GetLines(u.RunId);
                }

                _updates.Enqueue(u);
                return Task.CompletedTask;
            });
            _jobSubscription = Jobs.Subscribe(null, (id, kinds) =>
            {
                JobChanges.Enqueue((id, kinds));
                return Task.CompletedTask;
            });
            Runs.LocalChange += _ => Interlocked.Increment(ref _runRelays);
            Jobs.LocalChange += (_, _) => Interlocked.Increment(ref _jobRelays);
        }

        public RunProgressNotifier Runs { get; } = new();

        public JobChangeNotifier Jobs { get; } = new();

        public PostgreSqlLiveBackplane Backplane { get; }

        public ConcurrentQueue<(Guid JobId, JobChangeKinds Kinds)> JobChanges { get; } = new();

        public IReadOnlyList<string> LinesAtStatus { get; private set; } = [];

        public int RunRelays => Volatile.Read(ref _runRelays);

        public int JobRelays => Volatile.Read(ref _jobRelays);

        public int StatusUpdates(Guid run) => _updates.Count(u => u.RunId == run && u.StatusChanged);

        public int FigureUpdates(Guid run) => _updates.Count(u => u.RunId == run && !u.StatusChanged);

        public static async Task<LiveNode> StartAsync(string cs)
        {
            var node = new LiveNode(cs);
            await node.Backplane.StartAsync(CancellationToken.None);
            await node.Backplane.Listening.WaitAsync(Timeout);
            return node;
        }

        public async ValueTask DisposeAsync()
        {
            _runSubscription.Dispose();
            _jobSubscription.Dispose();
            await Backplane.DisposeAsync();
        }
    }
}
