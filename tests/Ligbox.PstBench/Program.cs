using System.Diagnostics;
using System.Globalization;
using Ligbox.Core.Pst;
using Ligbox.PstBench;
using Ligbox.Testing.Dovecot;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Readpst;
using Microsoft.Extensions.Options;

// Benchmark of the PST/mbox import (scripts/bench-pst.sh). Against a local Dovecot (fsync on), on one
// generated corpus shaped like `readpst -e` output (folders of N.eml, 5-200 KB messages, log-uniform):
//  1. readpst alone on the real PSTs of ../shared/testdata/pst;
//  2. raw IMAP APPEND ceilings on the same data: one connection one APPEND per message, one connection
//     MULTIAPPEND, N connections MULTIAPPEND (file read + MIME parse + APPEND; no identity, no mapping);
//  3. our import through PstImporter.ImportAsync (the extraction step replaced by listing the corpus:
//     we cannot make a 1 GB PST here), then the re-import (everything skipped), peak RSS of each;
//  4. the same messages as one large mbox through the mbox path (BENCH_MBOX=0 skips it).
// Settings (environment): BENCH_MB (corpus size, default 1024), BENCH_CONNECTIONS (default 4),
// BENCH_SINGLE_MB (data for the one-APPEND-per-message ceiling, default 200: it is the slowest), BENCH_MBOX.
// BENCH_PST_MB=N runs instead a real PST of N MiB end to end with the real readpst (GeneratedPstRun.cs).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var targetMb = Env("BENCH_MB", 1024);
var connections = Env("BENCH_CONNECTIONS", 4);
var singleMb = Env("BENCH_SINGLE_MB", 200);
var withMbox = Env("BENCH_MBOX", 1) != 0;
var generatedPstMb = Env("BENCH_PST_MB", 0);
var results = new List<string>();
var loadBefore = Memory.LoadAverage();

using var dovecot = new DovecotServer(new DovecotServerOptions { Fsync = true });
await dovecot.StartAsync();
var work = Directory.CreateTempSubdirectory("ligbox-pstbench-").FullName;
try
{
    if (generatedPstMb > 0)
    {
        // Row 5 of bench-matrix.sh: a generated PST of that size, end to end with the real readpst (GeneratedPstRun.cs).
        await GeneratedPstRun.RunAsync(dovecot, work, generatedPstMb * 1024L * 1024, connections, results);
        Console.WriteLine();
        Console.WriteLine($"=== generated PST benchmark: {generatedPstMb} MiB, {Environment.ProcessorCount} cores, Dovecot fsync on, load average before {loadBefore}, after {Memory.LoadAverage()}");
        results.ForEach(Console.WriteLine);
        return;
    }

    var sw = Stopwatch.StartNew();
    var corpus = Corpus.Generate(Path.Combine(work, "corpus"), targetMb * 1024L * 1024, seed: 42);
    Console.WriteLine($"corpus: {corpus.Messages.Count} messages in {corpus.Folders.Count} folders, {Mb(corpus.Bytes):0.0} MiB "
        + $"(sizes {corpus.Messages.Min(m => m.Length) / 1024} KB..{corpus.Messages.Max(m => m.Length) / 1024} KB, mean {corpus.Bytes / corpus.Messages.Count / 1024} KB), generated in {sw.Elapsed.TotalSeconds:0} s");

    // 1. readpst alone.
    var readpst = new ReadpstRunner(new CliWrapProcessRunner(), Options.Create(new ReadpstSettings()));
    var pstDir = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "testdata", "pst"));
    if (Directory.Exists(pstDir))
    {
        long pstBytes = 0;
        var items = 0;
        sw.Restart();
        foreach (var pst in Directory.GetFiles(pstDir, "*.pst"))
        {
            var result = await readpst.ExtractAsync(pst, Path.Combine(work, "readpst", Path.GetFileNameWithoutExtension(pst)));
            pstBytes += new FileInfo(pst).Length;
            items += result.Items.Count;
        }

        results.Add($"readpst alone: {Mb(pstBytes):0.00} MiB of real PSTs ({items} items) in {sw.Elapsed.TotalSeconds:0.00} s = {Mb(pstBytes) / sw.Elapsed.TotalSeconds:0.0} MiB/s "
            + "(4 small files: process start dominates; not a throughput figure for a 2 GB PST)");
        Console.WriteLine(results[^1]);
    }
    else
    {
        results.Add($"readpst alone: not measured, {pstDir} is missing");
    }

    // 2. Raw ceilings.
    var single = corpus.Take(singleMb * 1024L * 1024);
    var raw1 = await RawAppend.RunAsync(dovecot, "raw1", single, connections: 1, multiAppend: 1);
    Report($"raw ceiling, 1 connection, 1 APPEND per message ({single.Messages.Count} msgs)", raw1, single.Messages.Count, single.Bytes);
    var rawMulti = await RawAppend.RunAsync(dovecot, "rawm", corpus, connections: 1, multiAppend: 50);
    Report("raw ceiling, 1 connection, MULTIAPPEND x50", rawMulti, corpus.Messages.Count, corpus.Bytes);
    var rawN = await RawAppend.RunAsync(dovecot, "rawn", corpus, connections, multiAppend: 50);
    Report($"raw ceiling, {connections} connections, MULTIAPPEND x50", rawN, corpus.Messages.Count, corpus.Bytes);
    var best = new[] { rawMulti, rawN }.Min();

    // 3. Our import, PST path.
    var importer = new PstImporter(new ListedCorpusReadpst(corpus), TimeProvider.System, new PstImportOptions { AppendConnections = connections });
    dovecot.AddUser("ana", "pw-ana");
    var fakePst = Path.Combine(work, "corpus.pst");
    await File.WriteAllBytesAsync(fakePst, [.. "!BDN"u8, .. new byte[1020]]);
    var request = new PstImportRequest(fakePst, "corpus.pst", new ImapEndpoint(dovecot.Host, dovecot.Port, ImapSecurity.None, "ana", "pw-ana"),
        Path.Combine(work, "extract"), Path.Combine(work, "quarantine"), "Imported PST");
    Memory.ResetPeak();
    sw.Restart();
    var stats = await importer.ImportAsync(request);
    var ours = sw.Elapsed;
    var oursRss = Memory.PeakMb();
    Report($"our import, PST path ({stats.Appended} appended, {stats.Quarantined} quarantined, {stats.Skipped} skipped)", ours, corpus.Messages.Count, corpus.Bytes);
    results.Add($"  ratio: {best.TotalSeconds / ours.TotalSeconds:P0} of the best raw ceiling, {raw1.TotalSeconds / single.Messages.Count * corpus.Messages.Count / ours.TotalSeconds:0.0}x one-APPEND-per-message; peak RSS of the import {oursRss:0} MiB");
    Console.WriteLine(results[^1]);
    var wrong = corpus.Folders.Where(f => stats.Folders.SingleOrDefault(s => s.Source == f.Key)?.DestinationMessages != f.Value).Select(f => f.Key).ToList();
    results.Add(wrong.Count == 0
        ? $"  per-folder counts: all {corpus.Folders.Count} folders match the corpus (STATUS MESSAGES)"
        : $"  per-folder counts WRONG in: {string.Join(", ", wrong)}");
    Console.WriteLine(results[^1]);

    Memory.ResetPeak();
    sw.Restart();
    var again = await importer.ImportAsync(request);
    Report($"re-import ({again.Appended} appended, {again.Skipped} skipped)", sw.Elapsed, corpus.Messages.Count, corpus.Bytes);
    results[^1] += $"; peak RSS {Memory.PeakMb():0} MiB";
    MailStore.Delete(dovecot, "ana");

    // 4. mbox path.
    if (withMbox)
    {
        var mbox = Path.Combine(work, "archive.mbox");
        var mboxBytes = corpus.WriteMbox(mbox);
        dovecot.AddUser("bia", "pw-bia");
        var mboxRequest = request with { SourcePath = mbox, SourceName = "archive.mbox", Destination = new ImapEndpoint(dovecot.Host, dovecot.Port, ImapSecurity.None, "bia", "pw-bia") };
        Memory.ResetPeak();
        sw.Restart();
        var mboxStats = await importer.ImportAsync(mboxRequest);
        Report($"our import, mbox path, one {Mb(mboxBytes):0} MiB mbox ({mboxStats.Appended} appended)", sw.Elapsed, corpus.Messages.Count, corpus.Bytes);
        results[^1] += $"; peak RSS {Memory.PeakMb():0} MiB";
        File.Delete(mbox);
        MailStore.Delete(dovecot, "bia");
    }

    Console.WriteLine();
    Console.WriteLine($"=== PST import benchmark: {corpus.Messages.Count} messages, {Mb(corpus.Bytes):0} MiB, {Environment.ProcessorCount} cores, Dovecot fsync on, load average before {loadBefore}, after {Memory.LoadAverage()}");
    results.ForEach(Console.WriteLine);

    void Report(string what, TimeSpan elapsed, int count, long bytes)
    {
        results.Add($"{what}: {elapsed.TotalSeconds:0.0} s, {count / elapsed.TotalSeconds:0} msg/s, {Mb(bytes) / elapsed.TotalSeconds:0.0} MiB/s");
        Console.WriteLine(results[^1]);
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

static double Mb(long bytes) => bytes / 1048576.0;

static int Env(string name, int fallback) =>
    int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
