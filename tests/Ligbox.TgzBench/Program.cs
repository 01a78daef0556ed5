using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Ligbox.Core.Pst;
using Ligbox.Core.Zimbra;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Zimbra;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Zimbra;
using MailKit;
using MimeKit;

// Benchmark of the Zimbra TGZ import (scripts/bench-tgz.sh). Against a local Dovecot (fsync on):
//  1. a generated TGZ of BENCH_MB MiB (the test generator: Zimbra's format, folders split into !1/!2, flags, tags);
//  2. its messages extracted to files (not timed);
//  3. BENCH_RUNS times, each into empty mailboxes: the raw IMAP ceiling on the files (N connections, MULTIAPPEND x50,
//     file read + MIME parse + APPEND; no gzip, no tar, no identity, no mapping), then right after it our import
//     through ZimbraImporter.ImportAsync straight from the .tgz (streamed), its peak RSS and the load average;
//     after the first, the re-import (everything skipped);
//  4. the median of the runs (ceiling msg/s, ours, the ratio) and the highest peak RSS.
// Settings (environment): BENCH_MB (TGZ size, default 1024), BENCH_RUNS (default 3), BENCH_CONNECTIONS (default 4),
// BENCH_BODY (body bytes, default 8000).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var targetMb = Env("BENCH_MB", 1024);
var connections = Env("BENCH_CONNECTIONS", 4);
var body = Env("BENCH_BODY", 8000);
var runs = Math.Max(1, Env("BENCH_RUNS", 3));
var results = new List<string>();
var loadBefore = File.ReadAllText("/proc/loadavg").Trim();

using var dovecot = new DovecotServer(new DovecotServerOptions { Fsync = true });
await dovecot.StartAsync();
var work = Directory.CreateTempSubdirectory("ligbox-tgzbench-").FullName;
try
{
    // 1. The export. A message of BODY bytes of random text compresses to about 0.8 of its size.
    var sw = Stopwatch.StartNew();
    var tgz = Path.Combine(work, "export.tgz");
    var total = (int)(targetMb * 1048576L / (body * 0.78 + 600));
    var shares = new (string Folder, double Share)[]
    {
        ("Inbox", 0.35), ("Inbox/Projetos", 0.10), ("Sent", 0.20), ("Arquivo/2019", 0.12), ("Arquivo/2020", 0.12), ("Trash", 0.06), ("Clientes/São Paulo", 0.05),
    };
    var folders = shares.Select(s => new GeneratedFolder(s.Folder, Math.Max(1, (int)(total * s.Share)))).ToList();
    var generated = ZimbraTgzGenerator.WriteFile(tgz, new ZimbraTgzSpec { Folders = folders, BodyBytes = body, TruncatedMessage = 0, WithoutMessageId = 0 });
    var tgzBytes = new FileInfo(tgz).Length;
    var count = generated.Messages.Count;
    Console.WriteLine($"export: {count} messages in {folders.Count} folders, {Mb(tgzBytes):0.0} MiB TGZ, generated in {sw.Elapsed.TotalSeconds:0} s");

    // 2. The same messages as files, for the ceiling (kept for every run).
    var extracted = new List<(string Path, string Folder, long Length)>();
    await using (var reader = new ZimbraTgzReader(File.OpenRead(tgz)))
    {
        while (await reader.ReadNextAsync() is { } item)
        {
            if (item.Meta is { Type: ZimbraItemType.Message } meta && item.Content is not null)
            {
                var dir = Path.Combine(work, "raw", meta.FolderPath);
                Directory.CreateDirectory(dir);
                var path = Path.Combine(dir, $"{meta.Id}.eml");
                await using (var file = File.Create(path))
                {
                    await item.Content.CopyToAsync(file);
                }

                extracted.Add((path, meta.FolderPath, item.ContentLength));
            }
        }
    }

    var rawBytes = extracted.Sum(e => e.Length);

    // 3. Repetitions: the ceiling, then our import straight from the TGZ, each into an empty mailbox, side by side
    //    in time so both see the same load of the machine; the re-import (everything skipped) after the first.
    var importer = new ZimbraImporter(TimeProvider.System, new PstImportOptions { AppendConnections = connections });
    var reps = new List<(double RawRate, double OurRate, double Ratio, double Rss, string Load)>();
    for (var rep = 1; rep <= runs; rep++)
    {
        var loadAtStart = Load();
        var raw = await RawAsync(dovecot, $"raw{rep}", extracted, connections);
        Report($"[{rep}/{runs}] raw ceiling, {connections} connections, MULTIAPPEND x50, from extracted files", raw, count, rawBytes);

        var user = $"ana{rep}";
        dovecot.AddUser(user, "pw-" + user);
        var request = new ZimbraImportRequest(_ => Task.FromResult<Stream>(new FileStream(tgz, FileMode.Open, FileAccess.Read, FileShare.Read, 128 * 1024, useAsync: true)),
            "export.tgz", tgzBytes, new ImapEndpoint(dovecot.Host, dovecot.Port, ImapSecurity.None, user, "pw-" + user),
            Path.Combine(work, $"quarantine{rep}"), Path.Combine(work, $"items{rep}.zip"), "Imported Zimbra");
        ResetPeak();
        sw.Restart();
        var stats = await importer.ImportAsync(request);
        var ours = sw.Elapsed;
        var rss = PeakMb();
        Report($"[{rep}/{runs}] our import from the TGZ ({stats.Appended} appended, {stats.Quarantined} quarantined, {stats.Skipped} skipped)", ours, count, rawBytes);
        var load = $"{loadAtStart} -> {Load()}";
        reps.Add((count / raw.TotalSeconds, count / ours.TotalSeconds, raw.TotalSeconds / ours.TotalSeconds, rss, load));
        results.Add($"[{rep}/{runs}]   ratio: {raw.TotalSeconds / ours.TotalSeconds:P0} of the raw MULTIAPPEND ceiling; {Mb(tgzBytes) / ours.TotalSeconds:0.0} MiB/s of TGZ; peak RSS of the import {rss:0} MiB; load average (1/5/15 min) {load}");
        Console.WriteLine(results[^1]);
        var expected = generated.CountsByFolder;
        var wrong = stats.Folders.Where(f => f.DestinationMessages is null || f.Appended != expected[f.Source]).Select(f => f.Source).ToList();
        results.Add(wrong.Count == 0 && stats.Folders.Count == expected.Count
            ? $"[{rep}/{runs}]   per-folder counts: all {expected.Count} folders match the export"
            : $"[{rep}/{runs}]   per-folder counts WRONG in: {string.Join(", ", wrong)}");
        Console.WriteLine(results[^1]);

        if (rep == 1)
        {
            ResetPeak();
            sw.Restart();
            var again = await importer.ImportAsync(request);
            Report($"[1/{runs}] re-import ({again.Appended} appended, {again.Skipped} skipped)", sw.Elapsed, count, rawBytes);
            results[^1] += $"; peak RSS {PeakMb():0} MiB";
        }

        var mail = Path.Combine(dovecot.MailRoot, user);
        if (Directory.Exists(mail))
        {
            Directory.Delete(mail, recursive: true);
        }
    }

    Console.WriteLine();
    Console.WriteLine($"=== TGZ import benchmark: {count} messages, {Mb(tgzBytes):0} MiB TGZ ({Mb(rawBytes):0} MiB of messages), {Environment.ProcessorCount} cores, Dovecot fsync on, {runs} run(s), load average before {loadBefore}, after {Load()}");
    results.ForEach(Console.WriteLine);
    Console.WriteLine($"median of {runs}: raw ceiling {Median(reps.Select(r => r.RawRate)):0} msg/s, our import {Median(reps.Select(r => r.OurRate)):0} msg/s, "
        + $"ratio {Median(reps.Select(r => r.Ratio)):P0} of the ceiling (median of the per-run ratios), peak RSS of an import {reps.Max(r => r.Rss):0} MiB (max)");

    void Report(string what, TimeSpan elapsed, int n, long bytes)
    {
        results.Add($"{what}: {elapsed.TotalSeconds:0.0} s, {n / elapsed.TotalSeconds:0} msg/s, {Mb(bytes) / elapsed.TotalSeconds:0.0} MiB/s");
        Console.WriteLine(results[^1]);
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

static double Mb(long bytes) => bytes / 1048576.0;

static string Load() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static int Env(string name, int fallback) =>
    int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;

static void ResetPeak()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    File.WriteAllText("/proc/self/clear_refs", "5");
}

static double PeakMb()
{
    var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
}

// The ceiling: the files parsed and appended as they are, MULTIAPPEND batches of 50 (≤ 4 MiB) over N connections.
static async Task<TimeSpan> RawAsync(DovecotServer dovecot, string user, List<(string Path, string Folder, long Length)> messages, int connections)
{
    dovecot.AddUser(user, "pw-" + user);
    var clients = new List<MailKit.Net.Imap.ImapClient>();
    try
    {
        for (var i = 0; i < connections; i++)
        {
            clients.Add(await dovecot.ConnectAsync(user, "pw-" + user));
        }

        foreach (var folder in messages.Select(m => m.Folder).Distinct())
        {
            if (folder != "Inbox")
            {
                await DovecotServer.GetOrCreateFolderAsync(clients[0], folder);
            }
        }

        var batches = new ConcurrentQueue<(string Path, string Folder, long Length)[]>(messages.GroupBy(m => m.Folder).SelectMany(g => g.Chunk(50)));
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(client => Task.Run(async () =>
        {
            var open = new Dictionary<string, IMailFolder>();
            while (batches.TryDequeue(out var batch))
            {
                var name = batch[0].Folder;
                if (!open.TryGetValue(name, out var target))
                {
                    open[name] = target = name == "Inbox" ? client.Inbox : await client.GetFolderAsync(name);
                }

                var loaded = new List<MimeMessage>();
                foreach (var m in batch)
                {
                    loaded.Add(MimeMessage.Load(new MemoryStream(await File.ReadAllBytesAsync(m.Path), writable: false), persistent: true));
                }

                await target.AppendAsync(loaded.Select(m => (IAppendRequest)new AppendRequest(m, MessageFlags.Seen) { InternalDate = m.Date }).ToList());
                loaded.ForEach(m => m.Dispose());
            }
        })));
        return sw.Elapsed;
    }
    finally
    {
        clients.ForEach(c => c.Dispose());
        var dir = Path.Combine(dovecot.MailRoot, user);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
