using System.Diagnostics;
using System.Runtime.InteropServices;
using Ligbox.Core.Pst;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Pst;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Processes;
using Ligbox.Tools.Readpst;
using Microsoft.Extensions.Options;

namespace Ligbox.PstBench;

/// <summary>
/// Issue 18's row 5 end to end (<c>BENCH_PST_MB</c>): a real PST file of that size, written by the test PST writer
/// (plain-text e-mails of 5-200 KB in seven folders; Outlook keeps text in UTF-16, so the mail is about half the
/// file), then:
///  1. readpst alone on it (<c>-e -D -j 0</c>, as the importer runs it): time, MiB/s of PST, its peak RSS;
///  2. the MULTIAPPEND ceiling on what readpst extracted (N connections, groups of 50, as the other ceilings here);
///  3. our import through <see cref="PstImporter"/> with the real readpst: the whole time, how long readpst ran in it
///     (the finished folders are appended beside it) and the appends after it, our process's CPU and peak RSS, the
///     per-folder counts against what was written; the time against readpst alone + the ceiling one after the other,
///     and against the longer of the two (what a perfect overlap would give on cores with room to spare).
/// </summary>
internal static class GeneratedPstRun
{
    public static async Task RunAsync(DovecotServer dovecot, string work, long targetBytes, int connections, List<string> results)
    {
        var sw = Stopwatch.StartNew();
        var pst = Path.Combine(work, "archive.pst");
        var (written, messageCount, textBytes) = PstArchive.Write(pst, targetBytes, seed: 42);
        var pstBytes = new FileInfo(pst).Length;
        Add(results, $"generated PST: {Mb(pstBytes):0} MiB, {messageCount} messages in {written.Count} folders ({Mb(textBytes):0} MiB of mail text), written in {sw.Elapsed.TotalSeconds:0} s");

        // 1. readpst alone.
        var readpst = new ReadpstRunner(new CliWrapProcessRunner(), Options.Create(new ReadpstSettings()));
        Sync();
        var childCpu = ChildrenCpuSeconds();
        sw.Restart();
        var extracted = await readpst.ExtractAsync(pst, Path.Combine(work, "readpst"));
        var readpstAlone = sw.Elapsed;
        childCpu = ChildrenCpuSeconds() - childCpu;
        if (!extracted.Succeeded)
        {
            throw new InvalidOperationException($"readpst failed on the generated PST: {extracted.ErrorMessage}");
        }

        var corpus = Corpus.FromItems(extracted.OutputDirectory, extracted.Items.Where(i => i.Kind == ReadpstItemKind.Email));
        Add(results, $"readpst alone: {readpstAlone.TotalSeconds:0.0} s, {Mb(pstBytes) / readpstAlone.TotalSeconds:0.0} MiB/s of PST, "
            + $"{corpus.Messages.Count / readpstAlone.TotalSeconds:0} msg/s; it wrote {corpus.Messages.Count} .eml files, {Mb(corpus.Bytes):0} MiB; "
            + $"readpst {childCpu:0.0} s of CPU, peak RSS {ChildrenPeakRssMb():0} MiB");
        if (corpus.Messages.Count != messageCount)
        {
            Add(results, $"  WRONG: readpst extracted {corpus.Messages.Count} messages of {messageCount}");
        }

        // 2. The MULTIAPPEND ceiling on the extracted messages.
        Sync();
        var ceilingCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var ceiling = await RawAppend.RunAsync(dovecot, "rawpst", corpus, connections, multiAppend: 50);
        ceilingCpu = Process.GetCurrentProcess().TotalProcessorTime - ceilingCpu;
        Add(results, $"MULTIAPPEND ceiling, {connections} connections, groups of 50: {ceiling.TotalSeconds:0.0} s, "
            + $"{corpus.Messages.Count / ceiling.TotalSeconds:0} msg/s, {Mb(corpus.Bytes) / ceiling.TotalSeconds:0.0} MiB/s of mail; its client {ceilingCpu.TotalSeconds:0.0} s of CPU");
        if (Environment.GetEnvironmentVariable("BENCH_PST_OVERLAP_PROBE") == "1")
        {
            Sync();
            var both = Stopwatch.StartNew();
            var r = Task.Run(async () => { var t = Stopwatch.StartNew(); await readpst.ExtractAsync(pst, Path.Combine(work, "readpst2")); return t.Elapsed; });
            var c = Task.Run(async () => await RawAppend.RunAsync(dovecot, "rawpst2", corpus, connections, multiAppend: 50));
            await Task.WhenAll(r, c);
            Add(results, $"PROBE readpst beside the ceiling: readpst {r.Result.TotalSeconds:0.0} s, ceiling {c.Result.TotalSeconds:0.0} s, both {both.Elapsed.TotalSeconds:0.0} s");
            Directory.Delete(Path.Combine(work, "readpst2"), recursive: true);
        }

        Directory.Delete(extracted.OutputDirectory, recursive: true);

        // 3. Ours, readpst included.
        var timed = new TimedReadpst(readpst);
        var importer = new PstImporter(timed, TimeProvider.System, new PstImportOptions { AppendConnections = connections });
        dovecot.AddUser("pst", "pw-pst");
        var request = new PstImportRequest(pst, "archive.pst", new ImapEndpoint(dovecot.Host, dovecot.Port, ImapSecurity.None, "pst", "pw-pst"),
            Path.Combine(work, "extract"), Path.Combine(work, "quarantine"), "Imported PST");
        Sync();
        Memory.ResetPeak();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        sw.Restart();
        var stats = await importer.ImportAsync(request);
        var ours = sw.Elapsed;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var rss = Memory.PeakMb();
        var after = ours - timed.Elapsed;
        Add(results, $"our import, PST to IMAP ({stats.Appended} appended, {stats.Quarantined} quarantined): {ours.TotalSeconds:0.0} s, "
            + $"{Mb(pstBytes) / ours.TotalSeconds:0.0} MiB/s of PST, {stats.Appended / ours.TotalSeconds:0} msg/s; our process {cpu.TotalSeconds:0.0} s of CPU, peak RSS {rss:0} MiB");
        Add(results, $"  readpst ran the first {timed.Elapsed.TotalSeconds:0.0} s ({timed.CpuSeconds:0.0} s of CPU; the folders it had finished were appended beside it), then {after.TotalSeconds:0.0} s of appends alone");
        Add(results, $"  against readpst alone + the ceiling, one after the other ({(readpstAlone + ceiling).TotalSeconds:0.0} s): {(readpstAlone + ceiling).TotalSeconds / ours.TotalSeconds:0.00}; "
            + $"against the longer of the two ({(readpstAlone > ceiling ? readpstAlone : ceiling).TotalSeconds:0.0} s, a perfect overlap on idle cores): "
            + $"{(readpstAlone > ceiling ? readpstAlone : ceiling).TotalSeconds / ours.TotalSeconds:0.00}");
        var wrong = written.Where(f => stats.Folders.SingleOrDefault(s => s.Source == "Outlook/" + f.Key)?.DestinationMessages != f.Value)
            .Select(f => f.Key).ToList();
        Add(results, wrong.Count == 0
            ? $"  per-folder counts: all {written.Count} folders hold what was written (STATUS MESSAGES)"
            : $"  per-folder counts WRONG in: {string.Join(", ", wrong)} ({string.Join(", ", stats.Folders.Select(f => $"{f.Source}={f.DestinationMessages}"))})");
        MailStore.Delete(dovecot, "pst");
    }

    private static void Sync() => Process.Start("sync")?.WaitForExit();

    private static double Mb(long bytes) => bytes / 1048576.0;

    private static void Add(List<string> results, string line)
    {
        results.Add(line);
        Console.WriteLine(line);
    }

    /// <summary>The largest peak RSS of the children waited for so far (getrusage RUSAGE_CHILDREN: readpst here).</summary>
    private static double ChildrenPeakRssMb()
    {
        var usage = new long[18];
        return GetRusage(-1, usage) == 0 ? usage[4] / 1024.0 : double.NaN;
    }

    /// <summary>User + system CPU of the children waited for so far.</summary>
    private static double ChildrenCpuSeconds()
    {
        var usage = new long[18];
        return GetRusage(-1, usage) == 0 ? usage[0] + (usage[1] / 1e6) + usage[2] + (usage[3] / 1e6) : double.NaN;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, long[] usage);

    /// <summary>The real readpst, timed.</summary>
    private sealed class TimedReadpst(IReadpstRunner inner) : IReadpstRunner
    {
        public TimeSpan Elapsed { get; private set; }

        public double CpuSeconds { get; private set; }

        public Task<ReadpstResult> ExtractAsync(string pstPath, string outputDirectory, Action<ReadpstProgress>? onProgress = null, CancellationToken cancellationToken = default) =>
            TimeAsync(() => inner.ExtractAsync(pstPath, outputDirectory, onProgress, cancellationToken));

        // What the import calls (no listing of every file), as in the console.
        public Task<ReadpstResult> ExtractFoldersAsync(string pstPath, string outputDirectory, Action<ReadpstProgress>? onProgress, Action<string>? onLine, CancellationToken cancellationToken) =>
            TimeAsync(() => inner.ExtractFoldersAsync(pstPath, outputDirectory, onProgress, onLine, cancellationToken));

        private async Task<ReadpstResult> TimeAsync(Func<Task<ReadpstResult>> extract)
        {
            var sw = Stopwatch.StartNew();
            var cpu = ChildrenCpuSeconds();
            var result = await extract();
            Elapsed = sw.Elapsed;
            CpuSeconds = ChildrenCpuSeconds() - cpu;
            return result;
        }
    }
}
