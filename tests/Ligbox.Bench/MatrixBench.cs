using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ligbox.Core.Persistence;
using Ligbox.Core.Sync;
using Ligbox.Testing.Dovecot;
using Ligbox.Tools.NativeImap;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

/// <summary>
/// scripts/bench-matrix.sh: the engine against the ceiling of the two servers, row by row, in one run on the same
/// data. Ceiling = min(raw FETCH of every body over N source connections, discarded; raw MULTIAPPEND of the same
/// messages over N destination connections). doveadm backup -R (imapc) beside it. Our sync runs with the console's
/// state store (EfSyncStateStore on a SQLite file, the console's pragmas) and the engine's defaults.
/// </summary>
internal static class MatrixBench
{
    private const int Connections = 4;
    private const string Password = "pw";

    /// <summary>Off with --no-doveadm (the 300,000-message row's doveadm pass alone takes ~15 min on 2 loaded cores).</summary>
    private static bool Doveadm { get; set; } = true;

    /// <summary>Off with --no-ceiling: our passes only (a full-size row 2 when the machine has no time for its ceilings).</summary>
    private static bool Ceiling { get; set; } = true;

    /// <summary>
    /// --deltas-only (row 2): the destination and the state store are built directly (the same maildir files on the
    /// destination, then the UID pairs committed through the console's store in batches, as an initial pass would), and
    /// only our deltas are measured. For a full-size row 2 when there is no time for its initial pass and ceilings.
    /// </summary>
    private static bool DeltasOnly { get; set; }

    /// <summary>
    /// Off with --no-shared-ceiling: the ceiling's MULTIAPPEND only with a folder per connection. For a full-size row 2:
    /// four connections appending into the one folder wait on each other (Dovecot locks the folder for each append),
    /// and at 300,000 messages that strategy alone would take most of an hour.
    /// </summary>
    private static bool SharedCeiling { get; set; } = true;

    /// <summary>
    /// On with --one-folder-reference: before row 2, one folder of row 1's message count (20,000 × scale) is measured the
    /// same way (no deltas), so the run splits row 2's distance from row 1 into what the folder's size costs (row 2
    /// against that one folder) and what one folder instead of 25 costs (that one folder against row 1).
    /// </summary>
    private static bool OneFolderReference { get; set; }

    /// <summary>
    /// On with --volume-reference: before row 2, row 1's shape (25 folders) at row 2's message count is measured the same
    /// way (no deltas), so the run splits row 2's distance from row 1 into what the volume costs (25 folders of row 2's
    /// count against row 1) and what one folder instead of 25 costs at that volume (row 2 against them).
    /// </summary>
    private static bool VolumeReference { get; set; }

    /// <summary>Off with --no-warm-up: the untimed passes that JIT-compile the engine, its store and MailKit first.</summary>
    private static bool WarmUp { get; set; } = true;

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = new HashSet<int> { 1, 2, 3, 4 };
        var scale = 1.0;
        var repeat = 3;
        // Row 1 is the shortest row (6-8 s at full size) and the one the row 2 / row 1 ratio moves with: --row1-repeat
        // repeats it more often than the others (their medians from --repeat).
        var row1Repeat = (int?)null;
        var row2Scale = (double?)null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows":
                    rows = args[++i].Split(',').Select(int.Parse).ToHashSet();
                    break;
                case "--scale":
                    scale = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--row2-scale":
                    row2Scale = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--no-ceiling":
                    Ceiling = false;
                    break;
                case "--no-shared-ceiling":
                    SharedCeiling = false;
                    break;
                case "--deltas-only":
                    DeltasOnly = true;
                    break;
                case "--no-warm-up":
                    WarmUp = false;
                    break;
                case "--one-folder-reference":
                    OneFolderReference = true;
                    break;
                case "--volume-reference":
                    VolumeReference = true;
                    break;
                case "--no-doveadm":
                    Doveadm = false;
                    break;
                case "--repeat":
                    repeat = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--row1-repeat":
                    row1Repeat = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument {args[i]}; usage: matrix [--rows 1,2,3,4] [--scale 1] [--row2-scale S] [--repeat 3] [--row1-repeat N] [--no-doveadm] [--no-ceiling] [--no-shared-ceiling] [--deltas-only] [--no-warm-up] [--one-folder-reference] [--volume-reference]");
                    return 64;
            }
        }

        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        Console.WriteLine($"load before: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores; rows {string.Join(',', rows.Order())}, scale {scale}, repeat {repeat}"
            + (row1Repeat is { } r1 ? $", row 1 repeat {r1}" : ""));
        // LIGBOX_BENCH_PRESTART=N: both servers tuned for many logins (login processes in high-performance mode, N imap
        // processes started ahead), as a busy server would be; unset, Dovecot's defaults (a fork per connection).
        var prestart = int.TryParse(Environment.GetEnvironmentVariable("LIGBOX_BENCH_PRESTART"), out var p) ? p : 0;
        if (prestart > 0)
        {
            Console.WriteLine($"servers tuned for many logins: login processes in high-performance mode, {prestart} imap processes started ahead");
        }

        using var source = new DovecotServer(new DovecotServerOptions { PrestartedProcesses = prestart });
        // Production-like destination: fsync on, as a real server would run.
        using var destination = new DovecotServer(new DovecotServerOptions { CreateSpecialUseFolders = true, Fsync = true, PrestartedProcesses = prestart });
        await Task.WhenAll(source.StartAsync(), destination.StartAsync());
        var bench = new Context(source, destination);
        var results = new List<RowResult>();
        try
        {
            if (WarmUp)
            {
                await WarmUpAsync(bench);
            }

            if (rows.Contains(1))
            {
                results.Add(await SmallFoldersAsync(bench, (int)(20_000 * scale), 25, row1Repeat ?? repeat));
            }

            if (rows.Contains(2))
            {
                if (OneFolderReference)
                {
                    results.Add(await BigFolderAsync(bench, "2ref", (int)(20_000 * scale), repeat));
                }

                if (VolumeReference)
                {
                    results.Add(await SmallFoldersAsync(bench, (int)(300_000 * (row2Scale ?? scale)), 25, repeat, "1vol"));
                }

                results.Add(await BigFolderAsync(bench, "2", (int)(300_000 * (row2Scale ?? scale)), repeat));
            }

            if (rows.Contains(3))
            {
                results.Add(await ManyMailboxesAsync(bench, Math.Max(4, (int)(200 * scale)), 200, repeat));
            }

            if (rows.Contains(4))
            {
                results.Add(await BigMessagesAsync(bench, Math.Max(4, (int)(40 * scale)), 25 * 1024 * 1024, repeat));
            }
        }
        catch (Exception)
        {
            Console.Error.WriteLine($"-- source dovecot log:\n{source.ReadLogTail(30)}\n-- destination dovecot log:\n{destination.ReadLogTail(30)}");
            throw;
        }
        finally
        {
            await bench.DisposeAsync();
        }

        Console.WriteLine();
        Console.WriteLine($"load after: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine();
        Console.WriteLine("| row | data | ceiling (fetch / append) | copy ceiling | doveadm | ours | ours / ceiling | ours / copy ceiling | details |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            Console.WriteLine($"| {r.Row} | {r.Data} | {r.Ceiling:0} {r.Unit} ({r.Fetch:0} / {r.Append:0}) | {r.Copy:0} {r.Unit} | {r.Doveadm:0} {r.Unit} | {r.Ours:0} {r.Unit} | {r.Ours / r.Ceiling:0.00} | {r.Ours / r.Copy:0.00} | {r.Details} |");
        }

        // The targets that compare rows, from this run's medians.
        var byRow = results.ToDictionary(r => r.Row);
        void Compare(string row, string against, string what)
        {
            if (byRow.TryGetValue(row, out var a) && byRow.TryGetValue(against, out var b))
            {
                Console.WriteLine($"{what}: {a.Ours / b.Ours:0.00} (ours {a.Ours:0} against {b.Ours:0} {a.Unit}); ceilings {a.Ceiling / b.Ceiling:0.00}, copy ceilings {a.Copy / b.Copy:0.00}");
            }
        }

        Console.WriteLine();
        Compare("2", "1", "row 2 / row 1");
        Compare("2", "2ref", "row 2 / one folder of row 1's size (the folder's size)");
        Compare("2ref", "1", "one folder of row 1's size / row 1 (one folder instead of 25)");
        Compare("1vol", "1", "25 folders of row 2's count / row 1 (the volume)");
        Compare("2", "1vol", "row 2 / 25 folders of row 2's count (one folder instead of 25, at the same volume)");
        Compare("3", "1", "row 3 / row 1");

        return results.All(r => r.Ok) ? 0 : 2;
    }

    private sealed record RowResult(string Row, string Data, string Unit, double Fetch, double Append, double Copy, double Doveadm, double Ours, string Details, bool Ok)
    {
        public double Ceiling => Math.Min(Fetch, Append);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    // ---------------------------------------------------------------- rows

    /// <summary>
    /// Untimed passes before any row, so that no measured pass pays for compiling the code it runs. The console is a
    /// long-running process: it compiles the engine, the state store and MailKit's paths once, on its first mailboxes,
    /// and every later pass runs the tiered-up code. Without this the first repetitions of the first row spent up to
    /// 3 s more CPU than the later ones on the same work (the JIT's background compiles, EF Core building its model),
    /// on the 2 cores the servers need.
    /// </summary>
    private static async Task WarmUpAsync(Context bench)
    {
        var clock = Stopwatch.StartNew();
        var user = "warmup@example.com";
        bench.Source.AddUser(user, Password);
        foreach (var folder in new[] { "INBOX", "Sent", "Arquivo/2024", "Arquivo/2025" })
        {
            await bench.Source.SeedMaildirAsync(user, folder, Enumerable.Range(0, 750).Select(i => Small(0, folder, i)));
        }

        for (var pass = 1; pass <= 3; pass++)
        {
            var target = $"warmup{pass}@example.com";
            bench.Destination.AddUser(target, Password);
            var request = bench.Request(user, target);
            var state = bench.NewStore($"warmup-{pass}");
            var engine = new NativeImapSyncEngine(EngineOptions());
            var results = await engine.SyncManyAsync([request], RunsDefaults.MaxConcurrentMailboxes, state.Store);
            await engine.SyncManyAsync([request with { Kind = SyncKind.Delta }], RunsDefaults.MaxConcurrentMailboxes, state.Store);
            if (results[0].Failure is { } failure)
            {
                throw new InvalidOperationException($"warm-up pass failed: {failure.Message}");
            }

            bench.RetireDestinationUsers([target]);
        }

        Console.WriteLine($"warm-up: three untimed passes of 3,000 messages in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Row 1, or with <paramref name="row"/> "1vol" the reference of <see cref="VolumeReference"/> (no delta).</summary>
    private static async Task<RowResult> SmallFoldersAsync(Context bench, int messages, int folderCount, int repeat, string row = "1")
    {
        var reference = row != "1";
        Console.WriteLine(reference
            ? $"== row 2's volume reference: {messages} messages of ~5 KB in {folderCount} folders (row 1's shape, row 2's count)"
            : $"== row 1: {messages} messages of ~5 KB in {folderCount} folders");
        var folders = Enumerable.Range(0, folderCount).Select(i => i switch
        {
            0 => "INBOX",
            1 => "Itens Enviados",
            2 => "Lixo",
            3 => "Clientes/2024/Março",
            _ => $"Projetos/Projeto {i:D2}",
        }).ToList();
        var user = $"row{row}@example.com";
        var perFolder = messages / folderCount;
        var plan = folders.Select((f, i) => (Folder: f, Count: i == folderCount - 1 ? messages - perFolder * (folderCount - 1) : perFolder)).ToList();
        var clock = Stopwatch.StartNew();
        bench.Source.AddUser(user, Password);
        foreach (var (folder, count) in plan)
        {
            await bench.Source.SeedMaildirAsync(user, folder, Enumerable.Range(0, count).Select(i => Small(1, folder, i)));
        }

        Console.WriteLine($"seeded in {clock.Elapsed.TotalSeconds:0.0} s");
        var m = await MeasureAsync(bench, $"row{row}", [user], messages, repeat, withDelta: !reference);
        return new RowResult(row, $"{messages:N0} × ~5 KB, {folderCount} folders", "msg/s", m.Fetch, m.Append, m.Copy, m.Doveadm, m.Ours,
            reference ? $"peak RSS {m.PeakRssMb:0} MB ({m.RssBeforeMb:0} MB before the pass)"
                : $"no-change delta {m.NoChangeMs:0} ms (a second one {m.NoChangeAgainMs:0} ms); peak RSS {m.PeakRssMb:0} MB ({m.RssBeforeMb:0} MB before the pass); {m.Store}", m.Ok);
    }

    /// <summary>Row 2, or with <paramref name="row"/> "2ref" the reference of <see cref="OneFolderReference"/> (no deltas).</summary>
    private static async Task<RowResult> BigFolderAsync(Context bench, string row, int messages, int repeat)
    {
        var reference = row != "2";
        Console.WriteLine(reference
            ? $"== row 2's reference: one folder of {messages} messages of ~5 KB (row 1's count)"
            : $"== row 2: one folder of {messages} messages of ~5 KB");
        var user = $"row{row}@example.com";
        // A name no mapping rule changes (Arquivo would become the destination's Archive).
        const string folder = "Projetos";
        var clock = Stopwatch.StartNew();
        bench.Source.AddUser(user, Password);
        await bench.Source.SeedMaildirAsync(user, folder, Enumerable.Range(0, messages).Select(i => Small(2, folder, i)));
        Console.WriteLine($"seeded in {clock.Elapsed.TotalSeconds:0.0} s");
        if (DeltasOnly && !reference)
        {
            return await BigFolderDeltasAsync(bench, user, folder, messages);
        }

        var m = await MeasureAsync(bench, $"row{row}", [user], messages, repeat, withDelta: !reference, changeDelta: reference ? null : (folder, 100, 500));
        var rss = $"peak RSS {m.PeakRssMb:0} MB ({m.RssBeforeMb:0} MB before the pass)";
        return new RowResult(row, $"{messages:N0} × ~5 KB, 1 folder", "msg/s", m.Fetch, m.Append, m.Copy, m.Doveadm, m.Ours,
            reference ? rss : $"no-change delta {m.NoChangeMs:0} ms (a second one {m.NoChangeAgainMs:0} ms); 100 new + 500 flag changes {m.ChangeMs:0} ms (a no-change delta after it {m.NoChangeAfterChangesMs:0} ms); {rss}; {m.Store}", m.Ok);
    }

    private static async Task<RowResult> BigFolderDeltasAsync(Context bench, string user, string folder, int messages)
    {
        var target = "ours1-" + user;
        bench.Destination.AddUser(target, Password);
        var clock = Stopwatch.StartNew();
        await bench.Destination.SeedMaildirAsync(target, folder, Enumerable.Range(0, messages).Select(i => Small(2, folder, i)));
        await AsAnInitialPassLeavesItAsync(bench.Destination, target, folder);
        var request = bench.Request(user, target);
        var state = bench.NewStore("row2-deltas");
        var (src, srcUids) = await StatusAndUidsAsync(bench.Source, user, folder);
        var (dst, dstUids) = await StatusAndUidsAsync(bench.Destination, target, folder);
        var pairs = srcUids.Zip(dstUids).Select(p => new UidPair(p.First.Id, p.Second.Id, true)).ToList();
        var checkpoint = new FolderCheckpoint
        {
            SourceFolder = folder,
            DestinationFolder = folder,
            SourceUidValidity = src.UidValidity,
            DestinationUidValidity = dst.UidValidity,
            HighestSyncedUid = srcUids[^1].Id,
            SourceUidNext = src.UidNext?.Id ?? 0,
            SourceMessageCount = src.Count,
            HighestModSeq = src.HighestModSeq,
            DestinationUidNext = dst.UidNext?.Id ?? 0,
        };
        foreach (var batch in pairs.Chunk(500))
        {
            await state.Store.CommitAsync(request.EffectiveMailboxKey, new FolderSyncCommit { Checkpoint = checkpoint, Added = batch });
        }

        Console.WriteLine($"destination seeded and {pairs.Count} pairs committed in {clock.Elapsed.TotalSeconds:0.0} s; store: {state.Summary()}");
        state.Reset();
        var engine = new NativeImapSyncEngine(EngineOptions());
        Settle();
        GC.Collect(2, GCCollectionMode.Aggressive, true, true);
        ResetPeakRss();
        clock.Restart();
        var delta = await engine.SyncAsync(request with { Kind = SyncKind.Delta }, state.Store);
        var noChange = clock.Elapsed.TotalMilliseconds;
        Console.WriteLine($"  no-change delta: {noChange:0} ms, {delta.MessagesTransferred} copied, {delta.MessagesSkipped} skipped; store: {state.Summary()}");
        Console.WriteLine($"    wire: {engine.Commands.Describe()}");
        var ok = delta.MessagesTransferred == 0 && delta.MessagesSkipped == messages;
        state.Reset();
        await ChangeSourceAsync(bench.Source, user, folder, 100, 500);
        engine.Commands.Reset();
        clock.Restart();
        delta = await engine.SyncAsync(request with { Kind = SyncKind.Delta }, state.Store);
        var change = clock.Elapsed.TotalMilliseconds;
        var flagged = await CountFlaggedAsync(bench.Destination, target, folder);
        var count = await bench.Destination.CountMessagesAsync(target, folder);
        var peak = PeakRssKb() / 1024.0;
        Console.WriteLine($"  delta 100 new + 500 flag changes: {change:0} ms, {delta.MessagesTransferred} copied, {delta.FlagsUpdated} flag updates; "
            + $"destination {count} messages, {flagged} flagged; store: {state.Summary()}; peak RSS {peak:0} MB");
        Console.WriteLine($"    wire: {engine.Commands.Describe()}");
        ok &= delta.MessagesTransferred == 100 && flagged == 500 && count == messages + 100;
        return new RowResult("2 (deltas only)", $"{messages:N0} × ~5 KB, 1 folder", "msg/s", double.NaN, double.NaN, double.NaN, double.NaN, double.NaN,
            $"no-change delta {noChange:0} ms; 100 new + 500 flag changes {change:0} ms; peak RSS {peak:0} MB; {state.Summary()}", ok);
    }

    /// <summary>
    /// The engine's defaults; LIGBOX_BENCH_APPENDERS / LIGBOX_BENCH_MULTIAPPEND / LIGBOX_BENCH_BATCH /
    /// LIGBOX_BENCH_BATCH_BYTES / LIGBOX_BENCH_LARGE_BYTES / LIGBOX_BENCH_PER_LANE / LIGBOX_BENCH_STAGED (staged copies
    /// of folders with that many messages to copy, <see cref="NativeImapOptions.StagedAppendMinMessages"/>; 0 turns them
    /// off) / LIGBOX_BENCH_SETTLE (<see cref="NativeImapOptions.SettleFolderMinMessages"/>; 0 turns it off) override them;
    /// LIGBOX_BENCH_PROTOCOL_LOGS names a directory for the connections' protocol logs (their lines timestamped);
    /// LIGBOX_BENCH_DELTA_PROTOCOL_LOGS the same for the deltas after a row's initial pass only.
    /// </summary>
    private static NativeImapOptions EngineOptions()
    {
        var options = new NativeImapOptions();
        if (int.TryParse(Environment.GetEnvironmentVariable("LIGBOX_BENCH_APPENDERS"), out var appenders))
        {
            options.AppendConnectionsPerMailbox = appenders;
        }

        if (int.TryParse(Environment.GetEnvironmentVariable("LIGBOX_BENCH_MULTIAPPEND"), out var multi))
        {
            options.MultiAppendSize = multi;
        }

        if (int.TryParse(Environment.GetEnvironmentVariable("LIGBOX_BENCH_BATCH"), out var batch))
        {
            options.BatchSize = batch;
        }

        if (long.TryParse(Environment.GetEnvironmentVariable("LIGBOX_BENCH_BATCH_BYTES"), out var batchBytes))
        {
            options.BatchBytes = batchBytes;
        }

        if (long.TryParse(Environment.GetEnvironmentVariable("LIGBOX_BENCH_LARGE_BYTES"), out var largeBytes))
        {
            options.LargeMessageBytes = largeBytes;
        }

        if (int.TryParse(Environment.GetEnvironmentVariable("LIGBOX_BENCH_PER_LANE"), out var perLane))
        {
            options.MessagesPerExtraLane = perLane;
        }

        if (int.TryParse(Environment.GetEnvironmentVariable("LIGBOX_BENCH_STAGED"), out var staged))
        {
            options.StagedAppendMinMessages = staged;
        }

        if (int.TryParse(Environment.GetEnvironmentVariable("LIGBOX_BENCH_SETTLE"), out var settle))
        {
            options.SettleFolderMinMessages = settle;
        }

        // One protocol log per connection (secrets redacted), to see where a mailbox's time goes.
        options.ProtocolLogDirectory = Environment.GetEnvironmentVariable("LIGBOX_BENCH_PROTOCOL_LOGS");
        options.ProtocolLogTimestamps = options.ProtocolLogDirectory is not null;
        return options;
    }

    private static async Task<(IMailFolder Status, IList<UniqueId> Uids)> StatusAndUidsAsync(DovecotServer server, string user, string folderName)
    {
        using var client = await server.ConnectAsync(user, Password);
        var folder = await client.GetFolderAsync(folderName);
        // SELECT first: Dovecot settles a freshly indexed maildir's modseqs when it is opened, so a HIGHESTMODSEQ
        // read by STATUS before that is older than every message and CHANGEDSINCE would return the whole folder.
        await folder.OpenAsync(FolderAccess.ReadOnly);
        var uids = (await folder.SearchAsync(SearchQuery.All)).OrderBy(u => u.Id).ToList();
        await folder.CloseAsync();
        // With SIZE, as the initial pass's LIST-STATUS would have asked: Dovecot computes the folder's virtual size
        // once (reading every file it has no size for) and keeps it in its index.
        await folder.StatusAsync(StatusItems.Count | StatusItems.UidNext | StatusItems.UidValidity | StatusItems.HighestModSeq | StatusItems.Size);
        await client.DisconnectAsync(true);
        return (folder, uids);
    }

    private static async Task<RowResult> ManyMailboxesAsync(Context bench, int mailboxes, int perMailbox, int repeat)
    {
        Console.WriteLine($"== row 3: {mailboxes} mailboxes × {perMailbox} messages, {RunsDefaults.MaxConcurrentMailboxes} mailboxes at a time"
            + (RunsDefaults.Overridden is null ? " (the console's default)" : " (LIGBOX_BENCH_MAILBOXES_AT_ONCE)"));
        var users = Enumerable.Range(0, mailboxes).Select(i => $"row3-{i:D3}@example.com").ToList();
        var clock = Stopwatch.StartNew();
        foreach (var user in users)
        {
            bench.Source.AddUser(user, Password);
            // INBOX and Sent: LIST, SELECT and the folder loop count per mailbox.
            await bench.Source.SeedMaildirAsync(user, "INBOX", Enumerable.Range(0, perMailbox / 2).Select(i => Small(3, user, i)));
            await bench.Source.SeedMaildirAsync(user, "Sent", Enumerable.Range(perMailbox / 2, perMailbox - perMailbox / 2).Select(i => Small(3, user, i)));
        }

        Console.WriteLine($"seeded in {clock.Elapsed.TotalSeconds:0.0} s");
        var m = await MeasureAsync(bench, "row3", users, mailboxes * perMailbox, repeat, withDelta: true);
        var perMailboxMs = m.OursSeconds * 1000 * RunsDefaults.MaxConcurrentMailboxes / mailboxes;
        return new RowResult("3", $"{mailboxes} mailboxes × {perMailbox}", "msg/s", m.Fetch, m.Append, m.Copy, m.Doveadm, m.Ours,
            $"{perMailboxMs:0} ms per mailbox ({RunsDefaults.MaxConcurrentMailboxes} at a time); no-change delta of the job {m.NoChangeMs:0} ms (a second one {m.NoChangeAgainMs:0} ms); peak RSS {m.PeakRssMb:0} MB ({m.RssBeforeMb:0} MB before the pass)", m.Ok);
    }

    private static async Task<RowResult> BigMessagesAsync(Context bench, int count, int size, int repeat)
    {
        Console.WriteLine($"== row 4: {count} messages of {size / 1048576} MB");
        var user = "row4@example.com";
        bench.Source.AddUser(user, Password);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var index = i;
            await bench.Source.WriteMaildirMessageAsync(user, "INBOX", s => WriteBig(s, index, size), DateTimeOffset.UtcNow.AddDays(-index));
        }

        Console.WriteLine($"seeded in {clock.Elapsed.TotalSeconds:0.0} s");
        var m = await MeasureAsync(bench, "row4", [user], count, repeat, withDelta: false);
        var mb = count * (double)size / 1048576;
        return new RowResult("4", $"{count} × {size / 1048576} MB", "MB/s", m.Fetch * mb / count, m.Append * mb / count, m.Copy * mb / count, m.Doveadm * mb / count, m.Ours * mb / count,
            $"peak RSS {m.PeakRssMb:0} MB ({m.RssBeforeMb:0} MB before the pass)", m.Ok);
    }

    // ---------------------------------------------------------------- one row's measures

    private sealed record Measures(double Fetch, double Append, double Copy, double Doveadm, double Ours, double OursSeconds, double NoChangeMs, double NoChangeAgainMs, double ChangeMs, double NoChangeAfterChangesMs, double PeakRssMb, double RssBeforeMb, string Store, bool Ok);

    /// <summary>
    /// Repeats (ceiling fetch, ceiling append, doveadm, ours initial) and takes medians, then our deltas once on the
    /// last repetition's state. Each repetition appends into fresh destination users, removed afterwards.
    /// </summary>
    private static async Task<Measures> MeasureAsync(
        Context bench, string tag, IReadOnlyList<string> users, int messages, int repeat,
        bool withDelta, (string Folder, int New, int Flags)? changeDelta = null)
    {
        var fetch = new List<double>();
        var append = new List<double>();
        var copy = new List<double>();
        var doveadm = new List<double>();
        var ours = new List<double>();
        var oursSeconds = new List<double>();
        var peak = new List<double>();
        var rssBefore = new List<double>();
        double noChange = 0, noChangeAgain = 0, change = 0, noChangeAfterChanges = 0;
        var store = "";
        var ok = true;
        for (var rep = 1; rep <= repeat; rep++)
        {
            var last = rep == repeat;
            // Raw source FETCH of every body, N connections, discarded.
            var (fetched, fetchSeconds) = Ceiling ? await FetchCeilingAsync(bench.Source, users) : (0, double.NaN);
            fetch.Add(fetched / fetchSeconds);
            // Raw destination MULTIAPPEND of the same messages, N connections (read back from the source when no generator).
            var ceilUsers = users.Select(u => $"ceil{rep}-{u}").ToList();
            foreach (var u in ceilUsers)
            {
                bench.Destination.AddUser(u, Password);
            }

            var shared = Ceiling && (SharedCeiling || users.Count >= Connections);
            var (appended, appendSeconds) = shared ? await AppendCeilingAsync(bench, users, ceilUsers, byFolder: false) : (0, double.NaN);
            var appendRate = shared ? appended / appendSeconds : 0;
            bench.RetireDestinationUsers(ceilUsers);
            if (Ceiling && users.Count < Connections)
            {
                // The other way to spread N connections: each takes whole folders (a server serialises appends into
                // one folder). The ceiling is the better of the two.
                var folderUsers = users.Select(u => $"ceilf{rep}-{u}").ToList();
                foreach (var u in folderUsers)
                {
                    bench.Destination.AddUser(u, Password);
                }

                var (byFolder, byFolderSeconds) = await AppendCeilingAsync(bench, users, folderUsers, byFolder: true);
                Console.WriteLine($"  ceiling append: {appendRate:0}/s with groups shared by the connections, {byFolder / byFolderSeconds:0}/s with a folder per connection");
                appendRate = Math.Max(appendRate, byFolder / byFolderSeconds);
                bench.RetireDestinationUsers(folderUsers);
            }

            append.Add(appendRate);

            // Both servers at once, with the least a client can do between them (CopyCeilingAsync).
            var copyUsers = users.Select(u => $"copy{rep}-{u}").ToList();
            foreach (var u in copyUsers)
            {
                bench.Destination.AddUser(u, Password);
            }

            var copyCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var (copied, copySeconds) = Ceiling ? await CopyCeilingAsync(bench, users, copyUsers) : (0, double.NaN);
            copyCpu = Process.GetCurrentProcess().TotalProcessorTime - copyCpu;
            copy.Add(copied / copySeconds);
            if (Ceiling)
            {
                Console.WriteLine($"  copy ceiling (fetch and append at once, no state): {copy[^1]:0}/s, {copyCpu.TotalSeconds:0.0} s CPU in {copySeconds:0.0} s");
                ok &= copied == messages;
            }

            bench.RetireDestinationUsers(copyUsers);

            // doveadm backup -R through imapc, one mailbox at a time per process, as many at once as our concurrency.
            var doveUsers = users.Select(u => $"dove{rep}-{u}").ToList();
            Settle();
            var doveClock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Doveadm ? users.Zip(doveUsers) : [], new ParallelOptions { MaxDegreeOfParallelism = RunsDefaults.MaxConcurrentMailboxes }, async (pair, ct) =>
            {
                bench.Destination.AddUser(pair.Second, Password);
                var result = await bench.Destination.DoveadmAsync(
                [
                    "-o", $"imapc_host={bench.Source.Host}", "-o", $"imapc_port={bench.Source.Port}",
                    "-o", $"imapc_user={pair.First}", "-o", $"imapc_password={Password}",
                    "backup", "-R", "-u", pair.Second, "imapc:",
                ], ct);
                if (result.ExitCode != 0)
                {
                    throw new InvalidOperationException($"doveadm backup failed ({result.ExitCode}): {result.Output}");
                }
            });
            doveadm.Add(Doveadm ? messages / doveClock.Elapsed.TotalSeconds : double.NaN);
            bench.RetireDestinationUsers(doveUsers);

            // Ours: the engine with its defaults and the console's state store, into fresh users.
            var ourUsers = users.Select(u => $"ours{rep}-{u}").ToList();
            foreach (var u in ourUsers)
            {
                bench.Destination.AddUser(u, Password);
            }

            var requests = users.Zip(ourUsers).Select(p => bench.Request(p.First, p.Second)).ToList();
            var state = bench.NewStore($"{tag}-{rep}");
            var engine = new NativeImapSyncEngine(EngineOptions());
            Settle();
            GC.Collect(2, GCCollectionMode.Aggressive, true, true);
            ResetPeakRss();
            // What the process holds before our pass (runtime, loaded assemblies, the bench's own data): the pass's
            // growth is the peak minus this.
            rssBefore.Add(PeakRssKb() / 1024.0);
            var panicsBefore = Panics(bench.Destination);
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var results = await engine.SyncManyAsync(requests, RunsDefaults.MaxConcurrentMailboxes, state.Store);
            clock.Stop();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            peak.Add(PeakRssKb() / 1024.0);
            var failed = results.Where(r => r.Failure is not null).ToList();
            var transferred = results.Sum(r => r.Statistics?.MessagesTransferred ?? 0);
            if (failed.Count > 0 || transferred != messages)
            {
                Console.WriteLine($"!! ours: {transferred} of {messages} transferred, {failed.Count} failed: {failed.FirstOrDefault()?.Failure?.Message}");
                ok = false;
            }

            ours.Add(transferred / clock.Elapsed.TotalSeconds);
            oursSeconds.Add(clock.Elapsed.TotalSeconds);
            Console.WriteLine($"  rep {rep}: fetch {fetch[^1]:0}/s, append {append[^1]:0}/s, copy {copy[^1]:0}/s, doveadm {doveadm[^1]:0}/s, ours {ours[^1]:0}/s "
                + $"({clock.Elapsed.TotalSeconds:0.0} s, peak RSS {peak[^1]:0} MB, {rssBefore[^1]:0} MB before the pass; store: {state.Summary()}; load {File.ReadAllText("/proc/loadavg").Trim()})");
            Console.WriteLine($"    our process: {cpu.TotalSeconds:0.0} s CPU in {clock.Elapsed.TotalSeconds:0.0} s ({cpu.TotalSeconds / clock.Elapsed.TotalSeconds / Environment.ProcessorCount:P0} of the machine); "
                + $"destination imap processes that panicked (reconnected): {Panics(bench.Destination) - panicsBefore}");
            Console.WriteLine($"    wire: {engine.Commands.Describe()}");
            state.Reset();

            if (last && withDelta)
            {
                if (Environment.GetEnvironmentVariable("LIGBOX_BENCH_DELTA_PROTOCOL_LOGS") is { Length: > 0 } deltaLogs)
                {
                    // The deltas' protocol logs only (a full-size initial pass would log gigabytes).
                    var options = EngineOptions();
                    options.ProtocolLogDirectory = deltaLogs;
                    options.ProtocolLogTimestamps = true;
                    engine = new NativeImapSyncEngine(options);
                }

                Settle();
                GC.Collect(2, GCCollectionMode.Aggressive, true, true);
                ResetPeakRss();
                // Two no-change deltas, one after the other. The first comes right after the pass's writes: Dovecot re-reads
                // a maildir directory at its first look after a change made within a second of its last look (its delayed
                // refresh), so that delta pays for the folders the pass wrote last. The second finds nothing to re-read:
                // what a delta with nothing to do costs when nothing was written since the servers' last look.
                var deltaRequests = requests.Select(r => r with { Kind = SyncKind.Delta }).ToList();
                noChange = await NoChangeDeltaAsync("no-change delta");
                noChangeAgain = await NoChangeDeltaAsync("second no-change delta");

                async Task<double> NoChangeDeltaAsync(string which)
                {
                    engine.Commands.Reset();
                    clock.Restart();
                    var delta = await engine.SyncManyAsync(deltaRequests, RunsDefaults.MaxConcurrentMailboxes, state.Store);
                    var ms = clock.Elapsed.TotalMilliseconds;
                    var deltaCopied = delta.Sum(r => r.Statistics?.MessagesTransferred ?? 0);
                    Console.WriteLine($"  {which}: {ms:0} ms, {deltaCopied} copied, FETCH {engine.Commands.Count("FETCH")}, SELECT/EXAMINE {engine.Commands.Count("SELECT") + engine.Commands.Count("EXAMINE")}; store: {state.Summary()}");
                    Console.WriteLine($"    wire: {engine.Commands.Describe()}");
                    ok &= deltaCopied == 0 && delta.All(r => r.Failure is null);
                    state.Reset();
                    return ms;
                }

                if (changeDelta is { } cd)
                {
                    await ChangeSourceAsync(bench.Source, users[0], cd.Folder, cd.New, cd.Flags);
                    await PauseAsync("before the delta of the changes", bench);
                    engine.Commands.Reset();
                    clock.Restart();
                    var delta = await engine.SyncManyAsync(deltaRequests, RunsDefaults.MaxConcurrentMailboxes, state.Store);
                    change = clock.Elapsed.TotalMilliseconds;
                    var stats = delta[0].Statistics;
                    var flagged = await CountFlaggedAsync(bench.Destination, ourUsers[0], cd.Folder);
                    var count = await bench.Destination.CountMessagesAsync(ourUsers[0], cd.Folder);
                    Console.WriteLine($"  delta {cd.New} new + {cd.Flags} flag changes: {change:0} ms, {stats?.MessagesTransferred} copied, {stats?.FlagsUpdated} flag updates; "
                        + $"destination {count} messages, {flagged} flagged; FETCH {engine.Commands.Count("FETCH")}; store: {state.Summary()}");
                    Console.WriteLine($"    wire: {engine.Commands.Describe()}");
                    ok &= stats?.MessagesTransferred == cd.New && flagged == cd.Flags && count == messages + cd.New;
                    store = state.Summary();
                    state.Reset();
                    // And once more with nothing to do: what the next delta pays for the writes of this one.
                    noChangeAfterChanges = await NoChangeDeltaAsync("no-change delta after it");
                }
                else
                {
                    store = state.Summary();
                }

                peak[^1] = Math.Max(peak[^1], PeakRssKb() / 1024.0);
            }

            if (!last)
            {
                bench.RetireDestinationUsers(ourUsers);
            }
        }

        bench.RemoveRetiredUsers();
        return new Measures(Median(fetch), Median(append), Median(copy), Median(doveadm), Median(ours), Median(oursSeconds), noChange, noChangeAgain, change, noChangeAfterChanges, peak.Max(), Median(rssBefore), store, ok);
    }

    private static async Task<(long Messages, double Seconds)> FetchCeilingAsync(DovecotServer server, IReadOnlyList<string> users)
    {
        // Work items: (user, folder, UIDs share); mailboxes with several folders are split per folder.
        var items = new List<(string User, string Folder, UniqueId[] Uids)>();
        foreach (var user in users)
        {
            using var client = await server.ConnectAsync(user, Password);
            foreach (var folder in await ListAsync(client))
            {
                await folder.OpenAsync(FolderAccess.ReadOnly);
                var uids = (await folder.SearchAsync(SearchQuery.All)).ToArray();
                var share = users.Count == 1 ? (uids.Length + Connections - 1) / Connections : uids.Length;
                items.AddRange(uids.Chunk(Math.Max(1, share)).Select(c => (user, folder.FullName, c)));
            }

            await client.DisconnectAsync(true);
        }

        var queue = new ConcurrentQueue<(string User, string Folder, UniqueId[] Uids)>(items);
        long count = 0;
        Settle();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => Task.Run(async () =>
        {
            ImapClient? client = null;
            string? loggedIn = null;
            try
            {
                while (queue.TryDequeue(out var item))
                {
                    if (loggedIn != item.User)
                    {
                        client?.Dispose();
                        client = await server.ConnectAsync(item.User, Password);
                        loggedIn = item.User;
                    }

                    var folder = await client!.GetFolderAsync(item.Folder);
                    await folder.OpenAsync(FolderAccess.ReadOnly);
                    foreach (var chunk in item.Uids.Chunk(500))
                    {
                        await ((ImapFolder)folder).GetStreamsAsync(chunk, async (_, _, _, stream, ct) =>
                        {
                            await stream.CopyToAsync(Stream.Null, ct);
                            Interlocked.Increment(ref count);
                        });
                    }
                }
            }
            finally
            {
                client?.Dispose();
            }
        })));
        return (count, clock.Elapsed.TotalSeconds);
    }

    private static async Task<(long Messages, double Seconds)> AppendCeilingAsync(Context bench, IReadOnlyList<string> users, IReadOnlyList<string> targets, bool byFolder)
    {
        // The same messages, read from the source's maildir files (page cache): cur/ and new/ of every folder directory.
        var work = new List<(string User, string Folder, string Path)>();
        for (var u = 0; u < users.Count; u++)
        {
            var root = Path.Combine(bench.Source.MailRoot, users[u]);
            foreach (var cur in Directory.EnumerateDirectories(root, "cur", SearchOption.AllDirectories))
            {
                var dir = Path.GetDirectoryName(cur)!;
                var folder = Path.GetRelativePath(root, dir).Replace(Path.DirectorySeparatorChar, '/');
                // In the order of the names (their timestamp, as the seed wrote them): the order of the source's UIDs
                // that our pass appends in, not the directory's hash order.
                foreach (var file in Directory.EnumerateFiles(cur).Concat(Directory.EnumerateFiles(Path.Combine(dir, "new"))).Order(StringComparer.Ordinal))
                {
                    work.Add((targets[u], folder, file));
                }
            }
        }

        // Folders exist before the clock starts.
        foreach (var byUser in work.GroupBy(w => w.User))
        {
            using var client = await bench.Destination.ConnectAsync(byUser.Key, Password);
            foreach (var folder in byUser.Select(w => w.Folder).Distinct())
            {
                await DovecotServer.GetOrCreateFolderAsync(client, folder);
            }

            await client.DisconnectAsync(true);
        }

        // Groups of the engine's MULTIAPPEND size per (user, folder); N connections (for many mailboxes, each
        // connection logs in to the mailbox of the group it takes).
        // With at least as many mailboxes as connections, a connection takes one mailbox at a time, all of it, as the
        // engine does (one login per mailbox; N connections on one user would also race Dovecot's lazy creation of its
        // auto folders); with fewer, every connection takes groups of the same mailboxes.
        var groupSize = EngineOptions().MultiAppendSize;
        var allGroups = work.GroupBy(w => (w.User, w.Folder)).SelectMany(g => g.Select(x => x.Path).Chunk(groupSize).Select(c => (g.Key.User, g.Key.Folder, Paths: c))).ToList();
        // byFolder: a connection takes a whole folder at a time (one folder: one connection).
        var lanes = byFolder
            ? allGroups.GroupBy(g => (g.User, g.Folder)).Select(g => g.ToList())
            : targets.Count >= Connections
                ? allGroups.GroupBy(g => g.User).Select(g => g.ToList())
                : allGroups.Select(g => new List<(string User, string Folder, string[] Paths)> { g });
        var laneQueue = new ConcurrentQueue<List<(string User, string Folder, string[] Paths)>>(lanes);
        long count = 0;
        Settle();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => Task.Run(async () =>
        {
            ImapClient? client = null;
            string? loggedIn = null;
            var folders = new Dictionary<string, IMailFolder>();
            async Task<IMailFolder> ReopenAsync(string user, string name)
            {
                (client, var reopened) = await LogInAgainAsync(bench, client, user, name);
                folders.Clear();
                return folders[name] = reopened;
            }

            try
            {
                // Lazily: a connection takes the next lane only when it has appended all of its current one.
                // The next group's files are read and parsed while this one is appended (as the engine fetches the
                // next batch while it appends): the client's own work must not be what limits the ceiling.
                await foreach (var (group, messages) in Prefetched(Drain(laneQueue).SelectMany(lane => lane)))
                {
                    if (loggedIn != group.User)
                    {
                        if (client is { IsConnected: true })
                        {
                            await client.DisconnectAsync(true);
                        }

                        client?.Dispose();
                        client = await bench.Destination.ConnectAsync(group.User, Password);
                        loggedIn = group.User;
                        folders.Clear();
                    }

                    if (!folders.TryGetValue(group.Folder, out var folder))
                    {
                        folders[group.Folder] = folder = await client!.GetFolderAsync(group.Folder);
                    }

                    // Selected, as the engine's lane has its destination folder: Dovecot then keeps the mailbox open
                    // for the session; an APPEND into a folder that is not selected opens and syncs it every time,
                    // which grows with the folder (300,000 messages: ~720 msg/s at 160,000 not selected, 1,873 msg/s over all selected).
                    if (!folder.IsOpen)
                    {
                        try
                        {
                            await folder.OpenAsync(FolderAccess.ReadWrite);
                        }
                        catch (Exception ex) when (ex is IOException or ImapProtocolException)
                        {
                            // The same Dovecot panic as below (fcntl EDEADLK on dovecot.list.index.log) also hits a
                            // SELECT that updates the list index: log in again and open once more.
                            folder = await ReopenAsync(group.User, group.Folder);
                        }
                    }

                    try
                    {
                        // With the flags and INTERNALDATE of the maildir file, as our pass appends them.
                        var requests = messages.Zip(group.Paths).Select(p => (IAppendRequest)new AppendRequest(p.First, MaildirFlags(p.Second))
                        {
                            InternalDate = File.GetLastWriteTimeUtc(p.Second),
                        }).ToList();
                        try
                        {
                            await folder.AppendAsync(requests);
                        }
                        catch (ImapCommandException ex) when (ex.Message.Contains("already exists", StringComparison.Ordinal))
                        {
                            // Dovecot's lazy creation of an auto folder (Sent) raced with another connection of the
                            // same user: nothing was appended; once more.
                            await folder.AppendAsync(requests);
                        }
                        catch (Exception ex) when (ex is IOException or ImapProtocolException)
                        {
                            // Dovecot 2.3 can panic on an fcntl EDEADLK between processes of one user appending to
                            // different folders (dovecot.list.index.log): the process dies, nothing was committed.
                            // Log in again and append once more, as the engine's reconnect does.
                            folder = await ReopenAsync(group.User, group.Folder);
                            await folder.AppendAsync(requests);
                        }

                        Interlocked.Add(ref count, messages.Count);
                    }
                    finally
                    {
                        foreach (var m in messages)
                        {
                            m.Dispose();
                        }
                    }
                }
            }
            finally
            {
                client?.Dispose();
            }
        })));
        return (count, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The copy ceiling: what the two servers give when both work at once, as in a pass, with the least a client can do
    /// between them. N lanes, each a source and a destination connection taking whole folders (whole mailboxes when
    /// there are at least N), as the engine's lanes do. Per folder: one FETCH of FLAGS, INTERNALDATE and RFC822.SIZE,
    /// then groups of the engine's MULTIAPPEND size (at most a quarter of its batch bytes, one message when bigger),
    /// each group's bodies fetched into memory while the previous group is appended. No state, no identity, no
    /// CREATE (the destination folders exist before the clock starts). The gap between the ceiling and this is what
    /// doing both at once costs on this machine; the gap between this and ours is the engine's.
    /// </summary>
    private static async Task<(long Messages, double Seconds)> CopyCeilingAsync(Context bench, IReadOnlyList<string> users, IReadOnlyList<string> targets)
    {
        var lanes = new List<List<(string User, string Target, string Folder)>>();
        for (var u = 0; u < users.Count; u++)
        {
            using var source = await bench.Source.ConnectAsync(users[u], Password);
            using var destination = await bench.Destination.ConnectAsync(targets[u], Password);
            var folders = await ListAsync(source);
            foreach (var folder in folders)
            {
                await DovecotServer.GetOrCreateFolderAsync(destination, folder.FullName);
            }

            var items = folders.Select(f => (users[u], targets[u], f.FullName)).ToList();
            if (users.Count >= Connections)
            {
                lanes.Add(items);
            }
            else
            {
                lanes.AddRange(items.Select(i => new List<(string, string, string)> { i }));
            }

            await source.DisconnectAsync(true);
            await destination.DisconnectAsync(true);
        }

        // The biggest folders first, as the engine orders them, is left out: every folder of rows 1 and 3 has the same size.
        var queue = new ConcurrentQueue<List<(string User, string Target, string Folder)>>(lanes);
        var options = EngineOptions();
        var groupBytes = Math.Max(1, options.BatchBytes / Math.Max(1, options.AppendConnectionsPerMailbox));
        long count = 0;
        Settle();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => Task.Run(async () =>
        {
            ImapClient? src = null, dst = null;
            string? loggedIn = null;
            try
            {
                foreach (var (user, target, name) in Drain(queue).SelectMany(lane => lane))
                {
                    if (loggedIn != user)
                    {
                        src?.Dispose();
                        dst?.Dispose();
                        src = await bench.Source.ConnectAsync(user, Password);
                        dst = await bench.Destination.ConnectAsync(target, Password);
                        loggedIn = user;
                    }

                    var from = (ImapFolder)await src!.GetFolderAsync(name);
                    await from.OpenAsync(FolderAccess.ReadOnly);
                    // Dovecot 2.3's fcntl EDEADLK panic between processes of one user (see the append ceiling) can hit
                    // the SELECT or an APPEND: a new login, the folder selected again, the group once more.
                    IMailFolder to;
                    try
                    {
                        to = await dst!.GetFolderAsync(name);
                        await to.OpenAsync(FolderAccess.ReadWrite);
                    }
                    catch (Exception ex) when (ex is IOException or ImapProtocolException)
                    {
                        (dst, to) = await LogInAgainAsync(bench, dst, target, name);
                    }

                    var summaries = await from.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Size);
                    var groups = new List<List<IMessageSummary>>();
                    long bytes = 0;
                    foreach (var summary in summaries.OrderBy(s => s.UniqueId.Id))
                    {
                        var size = (long)(summary.Size ?? 0);
                        if (groups.Count == 0 || groups[^1].Count >= options.MultiAppendSize || (groups[^1].Count > 0 && bytes + size > groupBytes))
                        {
                            groups.Add([]);
                            bytes = 0;
                        }

                        groups[^1].Add(summary);
                        bytes += size;
                    }

                    async Task<List<IAppendRequest>> FetchAsync(List<IMessageSummary> group)
                    {
                        var bodies = new Dictionary<uint, byte[]>(group.Count);
                        await from.GetStreamsAsync(group.Select(s => s.UniqueId).ToList(), async (_, _, uid, stream, ct) =>
                        {
                            // One copy into an array of the body's size (no growing buffer: 25 MB bodies in row 4).
                            var body = new byte[stream.Length - stream.Position];
                            await stream.ReadExactlyAsync(body, ct);
                            bodies[uid.Id] = body;
                        });
                        return group.Where(s => bodies.ContainsKey(s.UniqueId.Id)).Select(s => (IAppendRequest)new AppendRequest(RawMessage.Create(bodies[s.UniqueId.Id]), s.Flags ?? MessageFlags.None)
                        {
                            InternalDate = s.InternalDate,
                        }).ToList();
                    }

                    var fetching = groups.Count > 0 ? FetchAsync(groups[0]) : null;
                    for (var g = 0; g < groups.Count; g++)
                    {
                        var requests = await fetching!;
                        fetching = g + 1 < groups.Count ? FetchAsync(groups[g + 1]) : null;
                        try
                        {
                            await to.AppendAsync(requests);
                        }
                        catch (Exception ex) when (ex is IOException or ImapProtocolException)
                        {
                            (dst, to) = await LogInAgainAsync(bench, dst, target, name);
                            await to.AppendAsync(requests);
                        }

                        Interlocked.Add(ref count, requests.Count);
                        foreach (var r in requests)
                        {
                            r.Message.Dispose();
                        }
                    }
                }
            }
            finally
            {
                src?.Dispose();
                dst?.Dispose();
            }
        })));
        return (count, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// After Dovecot killed a destination connection's imap process (its fcntl EDEADLK panic): the old client closed, a
    /// new login, the folder selected again.
    /// </summary>
    private static async Task<(ImapClient Client, IMailFolder Folder)> LogInAgainAsync(Context bench, ImapClient? old, string user, string folderName)
    {
        old?.Dispose();
        var client = await bench.Destination.ConnectAsync(user, Password);
        var folder = await client.GetFolderAsync(folderName);
        await folder.OpenAsync(FolderAccess.ReadWrite);
        return (client, folder);
    }

    private static async IAsyncEnumerable<((string User, string Folder, string[] Paths) Group, List<MimeMessage> Messages)> Prefetched(
        IEnumerable<(string User, string Folder, string[] Paths)> groups)
    {
        static Task<List<MimeMessage>> Load(string[] paths) => Task.Run(async () =>
        {
            var messages = new List<MimeMessage>(paths.Length);
            foreach (var path in paths)
            {
                // In memory, as the engine holds fetched bodies: the file is not read again while the APPEND is written.
                // Appended as they are, as the engine appends what it fetched (RawMessage): not parsed and re-written.
                var bytes = await File.ReadAllBytesAsync(path);
                messages.Add(RawMessage.Create(bytes));
            }

            return messages;
        });

        using var e = groups.GetEnumerator();
        if (!e.MoveNext())
        {
            yield break;
        }

        var current = e.Current;
        var loading = Load(current.Paths);
        while (true)
        {
            var messages = await loading;
            var hasNext = e.MoveNext();
            var next = hasNext ? e.Current : default;
            if (hasNext)
            {
                loading = Load(next.Paths);
            }

            yield return (current, messages);
            if (!hasNext)
            {
                yield break;
            }

            current = next;
        }
    }

    private static MessageFlags MaildirFlags(string path)
    {
        var name = Path.GetFileName(path);
        var info = name.IndexOf(":2,", StringComparison.Ordinal);
        var flags = MessageFlags.None;
        foreach (var c in info < 0 ? "" : name[(info + 3)..])
        {
            flags |= c switch
            {
                'D' => MessageFlags.Draft,
                'F' => MessageFlags.Flagged,
                'R' => MessageFlags.Answered,
                'S' => MessageFlags.Seen,
                'T' => MessageFlags.Deleted,
                _ => MessageFlags.None,
            };
        }

        return flags;
    }

    private static int Panics(DovecotServer server)
    {
        try
        {
            return File.ReadLines(server.LogPath).Count(l => l.Contains(": Panic: ", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static IEnumerable<T> Drain<T>(ConcurrentQueue<T> queue)
    {
        while (queue.TryDequeue(out var item))
        {
            yield return item;
        }
    }

    private static async Task<List<IMailFolder>> ListAsync(ImapClient client)
    {
        var all = await client.GetFoldersAsync(client.PersonalNamespaces[0]);
        return all.Prepend(client.Inbox).DistinctBy(f => f.FullName)
            .Where(f => !f.Attributes.HasFlag(FolderAttributes.NoSelect) && !f.Attributes.HasFlag(FolderAttributes.NonExistent))
            .ToList();
    }

    /// <summary>
    /// LIGBOX_BENCH_PAUSE=&lt;file&gt;: the bench creates the file, says where the two servers keep their mail and waits until
    /// the file is deleted, so that the servers' folders can be looked at (or a tracer attached) at that point.
    /// </summary>
    private static async Task PauseAsync(string where, Context bench)
    {
        if (Environment.GetEnvironmentVariable("LIGBOX_BENCH_PAUSE") is not { Length: > 0 } file)
        {
            return;
        }

        await File.WriteAllTextAsync(file, where);
        Console.WriteLine($"  paused {where}: source {bench.Source.MailRoot}, destination {bench.Destination.MailRoot}; delete {file} to go on");
        while (File.Exists(file))
        {
            await Task.Delay(500);
        }
    }

    private static async Task ChangeSourceAsync(DovecotServer source, string user, string folderName, int added, int flags)
    {
        using var client = await source.ConnectAsync(user, Password);
        var folder = await client.GetFolderAsync(folderName);
        await folder.OpenAsync(FolderAccess.ReadWrite);
        var uids = await folder.SearchAsync(SearchQuery.All);
        // Flag changes spread over the whole folder.
        var step = Math.Max(1, uids.Count / flags);
        var picked = Enumerable.Range(0, flags).Select(i => uids[Math.Min(uids.Count - 1, i * step)]).Distinct().ToList();
        await folder.AddFlagsAsync(picked, MessageFlags.Flagged, true);
        var requests = new List<IAppendRequest>();
        for (var i = 0; i < added; i++)
        {
            requests.Add(new AppendRequest(MimeMessage.Load(new MemoryStream(Small(9, folderName, i).Raw)), MessageFlags.None));
        }

        await folder.AppendAsync(requests);
        await client.DisconnectAsync(true);
        // LIGBOX_BENCH_CHANGE_AGE_MS=N: the delta starts N ms after the changes, not at once, to see whether the source's
        // re-reading of its maildir depends on how recent they are (session 22, 3,000 ms: no, it moves to another command).
        if (int.TryParse(Environment.GetEnvironmentVariable("LIGBOX_BENCH_CHANGE_AGE_MS"), out var age) && age > 0)
        {
            await Task.Delay(age);
        }
    }

    /// <summary>
    /// A maildir written directly has no <c>dovecot.index.cache</c>; a folder filled by APPENDs (an initial pass) has
    /// one, made by its first APPEND. Without it, the first APPEND of the measured delta made it, over every message of
    /// the folder (300,000 tries to open the missing file, seen with strace in session 23), so the deltas-only delta
    /// paid for something the real one does not. One message appended and expunged here makes it, untimed.
    /// </summary>
    private static async Task AsAnInitialPassLeavesItAsync(DovecotServer server, string user, string folderName)
    {
        using var client = await server.ConnectAsync(user, Password);
        var folder = await client.GetFolderAsync(folderName);
        await folder.OpenAsync(FolderAccess.ReadWrite);
        var uid = await folder.AppendAsync(new AppendRequest(MimeMessage.Load(new MemoryStream(Small(9, "cache", 0).Raw)), MessageFlags.None));
        await folder.AddFlagsAsync(uid!.Value, MessageFlags.Deleted, true);
        await folder.ExpungeAsync([uid.Value]);
        await client.DisconnectAsync(true);
        if (!File.Exists(Path.Combine(server.MailRoot, user, folderName, "dovecot.index.cache")))
        {
            throw new InvalidOperationException($"{folderName}: the destination has no dovecot.index.cache after an APPEND");
        }
    }

    private static async Task<int> CountFlaggedAsync(DovecotServer server, string user, string folderName)
    {
        using var client = await server.ConnectAsync(user, Password);
        var folder = await client.GetFolderAsync(folderName);
        await folder.OpenAsync(FolderAccess.ReadOnly);
        return (await folder.SearchAsync(SearchQuery.Flagged)).Count;
    }

    // ---------------------------------------------------------------- data

    private static readonly string[] Words =
    [
        "proposta", "contrato", "reunião", "orçamento", "cliente", "entrega", "prazo", "equipe", "relatório", "migração",
        "servidor", "caixa", "mensagem", "anexo", "pagamento", "fatura", "projeto", "cronograma", "aprovação", "revisão",
    ];

    /// <summary>A ~5 KB message, the same bytes every time for the same (row, folder, index).</summary>
    private static SeedRawMessage Small(int row, string folder, int index)
    {
        var random = new Random(HashCode.Combine(row, index, StableHash(folder)));
        var body = new StringBuilder(4800);
        while (body.Length < 4600)
        {
            body.Append(Words[random.Next(Words.Length)]).Append(body.Length % 72 < 8 ? "\r\n" : " ");
        }

        var date = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(index);
        var text = $"From: Cliente <cliente{index % 97}@example.com>\r\nTo: Ana <ana@example.com>\r\n"
            + $"Subject: Proposta {folder} {index}\r\nMessage-ID: <m{row}-{StableHash(folder):x8}-{index}@bench.example>\r\n"
            + $"Date: {date:r}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + $"Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n";
        return new SeedRawMessage(Encoding.UTF8.GetBytes(text), date, index % 3 == 0 ? MessageFlags.None : MessageFlags.Seen);
    }

    private static int StableHash(string s)
    {
        var h = 17;
        foreach (var c in s)
        {
            h = unchecked(h * 31 + c);
        }

        return h;
    }

    private static async Task WriteBig(Stream stream, int index, int size)
    {
        var header = Encoding.ASCII.GetBytes(
            $"From: Ana <ana@example.com>\r\nTo: Bia <bia@example.com>\r\nSubject: Anexo grande {index}\r\n"
            + $"Message-ID: <big-{index}@bench.example>\r\nDate: {DateTimeOffset.UtcNow.AddDays(-index):r}\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsegue anexo\r\n"
            + "--b\r\nContent-Type: application/octet-stream; name=\"dados.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        await stream.WriteAsync(header);
        var random = new Random(index);
        var raw = new byte[57];
        var line = new byte[78];
        long written = header.Length;
        var buffer = new MemoryStream(1 << 16);
        while (written < size - 100)
        {
            random.NextBytes(raw);
            var n = Convert.ToBase64String(raw).Length;
            Encoding.ASCII.GetBytes(Convert.ToBase64String(raw), line);
            line[n] = (byte)'\r';
            line[n + 1] = (byte)'\n';
            buffer.Write(line, 0, n + 2);
            written += n + 2;
            if (buffer.Length > 60_000)
            {
                await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
                buffer.SetLength(0);
            }
        }

        buffer.Write("\r\n--b--\r\n"u8);
        await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    // ---------------------------------------------------------------- process figures

    /// <summary>
    /// Before each timed phase: the disk writes what earlier phases left (tens of thousands of maildir files) before the
    /// clock starts, so no phase starts with another's write-back pending (ext4 with <c>discard</c> here; with fsync on,
    /// the destination's APPENDs would queue behind it). It did not undo what deleting the previous phase's accounts
    /// right before a phase cost that phase; the deletion now waits for the end of the row
    /// (<see cref="Context.RetireDestinationUsers"/>).
    /// </summary>
    private static void Settle()
    {
        using var sync = Process.Start(new ProcessStartInfo("sync") { UseShellExecute = false })!;
        sync.WaitForExit();
    }

    private static void ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
    }

    private static long PeakRssKb() =>
        File.ReadLines("/proc/self/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(l => long.Parse(l[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).FirstOrDefault();

    // ---------------------------------------------------------------- context


    private sealed class Context(DovecotServer source, DovecotServer destination) : IAsyncDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("ligbox-matrix-state-").FullName;
        private readonly List<string> _retired = [];

        public DovecotServer Source { get; } = source;

        public DovecotServer Destination { get; } = destination;

        /// <summary>An initial pass of <paramref name="user"/> on the source into <paramref name="target"/> on the destination.</summary>
        public SyncRequest Request(string user, string target) => new()
        {
            Source = new ImapEndpoint(Source.Host, Source.Port, ImapSecurity.None, user, Password),
            Destination = new ImapEndpoint(Destination.Host, Destination.Port, ImapSecurity.None, target, Password),
        };

        /// <summary>A fresh console state store (EfSyncStateStore on its own SQLite file, the console's pragmas).</summary>
        public TimedStore NewStore(string name)
        {
            var file = Path.Combine(_dir, name + ".db");
            var services = new ServiceCollection();
            services.AddDbContextFactory<LigboxDbContext>(o => o
                .UseSqlite($"Data Source={file};Cache=Shared;Pooling=true")
                .AddInterceptors(new Pragmas()));
            var provider = services.BuildServiceProvider();
            var factory = provider.GetRequiredService<IDbContextFactory<LigboxDbContext>>();
            using (var db = factory.CreateDbContext())
            {
                db.Database.Migrate();
            }

            return new TimedStore(new EfSyncStateStore(factory), file);
        }

        /// <summary>
        /// The users' destination accounts are done with: deleted by <see cref="RemoveRetiredUsers"/> at the end of the
        /// row, not now. Deleting a phase's accounts right before the next phase slowed that phase: in session 24, with
        /// the copy ceiling's 200 accounts of row 3 deleted before our pass (a <c>sync</c> between), our pass ran at
        /// 1,489 msg/s and the copy ceiling, after the append ceiling's deletion, at 2,228; with nothing deleted
        /// in between, 3,298 and 3,518 in the same hour. The append time summed over the wire halved.
        /// </summary>
        public void RetireDestinationUsers(IEnumerable<string> users) => _retired.AddRange(users);

        /// <summary>Deletes the retired accounts (at the end of a row, after its last timed phase).</summary>
        public void RemoveRetiredUsers()
        {
            foreach (var user in _retired)
            {
                var dir = Path.Combine(Destination.MailRoot, user);
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, true);
                }
            }

            _retired.Clear();
        }

        public ValueTask DisposeAsync()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_dir, true);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The console's SQLite pragmas (Ligbox.Core's SqlitePragmaInterceptor is internal).</summary>
    private sealed class Pragmas : DbConnectionInterceptor
    {
        private const string Sql = "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;";

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = Sql;
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = Sql;
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>Times the state store's calls (the profile's first suspect) around the real store.</summary>
    private sealed class TimedStore(ISyncStateStore inner, string file)
    {
        private long _getTicks;
        private long _commitTicks;
        private int _gets;
        private int _commits;
        private long _pairs;

        public ISyncStateStore Store => new Wrapper(this);

        public void Reset()
        {
            _getTicks = _commitTicks = _pairs = 0;
            _gets = _commits = 0;
        }

        public string Summary()
        {
            var size = new[] { file, file + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
            return $"{_gets} reads {TimeSpan.FromTicks(_getTicks).TotalSeconds:0.00} s, {_commits} commits ({_pairs} pairs) {TimeSpan.FromTicks(_commitTicks).TotalSeconds:0.00} s, file {size / 1048576.0:0.0} MB";
        }

        private sealed class Wrapper(TimedStore owner) : ISyncStateStore
        {
            public async Task<FolderSyncState?> GetFolderAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    return await owner.Inner.GetFolderAsync(mailboxKey, sourceFolder, cancellationToken);
                }
                finally
                {
                    Interlocked.Add(ref owner._getTicks, Stopwatch.GetElapsedTime(start).Ticks);
                    Interlocked.Increment(ref owner._gets);
                }
            }

            public Task<FolderCheckpoint?> GetCheckpointAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default) =>
                owner.TimeAsync(() => owner.Inner.GetCheckpointAsync(mailboxKey, sourceFolder, cancellationToken));

            public Task<int> CountPairsAsync(string mailboxKey, string sourceFolder, CancellationToken cancellationToken = default) =>
                owner.TimeAsync(() => owner.Inner.CountPairsAsync(mailboxKey, sourceFolder, cancellationToken));

            public Task<IReadOnlyDictionary<uint, UidPair>> GetPairsAsync(
                string mailboxKey, string sourceFolder, IReadOnlyCollection<uint>? sourceUids, CancellationToken cancellationToken = default) =>
                owner.TimeAsync(() => owner.Inner.GetPairsAsync(mailboxKey, sourceFolder, sourceUids, cancellationToken));

            public async Task CommitAsync(string mailboxKey, FolderSyncCommit commit, CancellationToken cancellationToken = default)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await owner.Inner.CommitAsync(mailboxKey, commit, cancellationToken);
                }
                finally
                {
                    Interlocked.Add(ref owner._commitTicks, Stopwatch.GetElapsedTime(start).Ticks);
                    Interlocked.Increment(ref owner._commits);
                    Interlocked.Add(ref owner._pairs, commit.Added.Count);
                }
            }
        }

        private ISyncStateStore Inner => inner;

        private async Task<T> TimeAsync<T>(Func<Task<T>> read)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                return await read();
            }
            finally
            {
                Interlocked.Add(ref _getTicks, Stopwatch.GetElapsedTime(start).Ticks);
                Interlocked.Increment(ref _gets);
            }
        }
    }
}
