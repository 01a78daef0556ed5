using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Ligbox.Testing.Dovecot;
using MailKit;
using Ligbox.Testing.Processes;
using Ligbox.Testing.Pst;

/// <summary>
/// The sizing measurements of issue 17 (T036, scripts/bench-sizing.sh): the real console (the built
/// Ligbox.Console.dll, its own process, native engine, SQLite) syncs mailboxes between two local Dovecots
/// (destination with fsync on). Per measurement a fresh console on a fresh data directory; what is read is
/// what transfers to other hardware: CPU-seconds (user+sys from /proc/PID/stat) of the console and of each
/// Dovecot (master + children, dead children through the master's cutime/cstime) per run, and the console's
/// peak RSS (VmHWM, reset right before the run) with K mailboxes synced at once
/// (each console first runs a small warm-up mailbox: JIT and first queries are not counted)
/// (<c>Ligbox:Runs:MaxConcurrentMailboxes</c> = K), one run of K mailboxes. Wall time and the load average are printed beside each.
/// Settings (environment): SIZING_REPEAT (3), SIZING_SMALL (messages of ~5 KB for the CPU row, 5000),
/// SIZING_LARGE (large messages for the CPU-per-GB row, 100), SIZING_LARGE_KB (their size, 1024),
/// SIZING_MAILBOX_SMALL (~5 KB messages per mailbox of the memory rows, 1000), SIZING_MAILBOX_LARGE (large
/// messages per mailbox of the memory rows, 40), SIZING_CONCURRENCY (1,2,4,8), SIZING_ROWS (cpu,mem).
/// </summary>
internal static class SizingBench
{
    private static readonly double Tick = 100.0; // USER_HZ on Linux

    /// <summary>Stops the console being measured (if any) and removes its data directory; run on Ctrl-C / SIGTERM.</summary>
    private static Action Cleanup = () => { };

    private static readonly object Gate = new();

    private static volatile bool Stopping;

    /// <summary>Once a stop signal came, the main thread writes nothing more into the Dovecots' directories being removed.</summary>
    private static void Park()
    {
        while (Stopping)
        {
            Thread.Sleep(1000);
        }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var dll = args.Length > 0 ? Path.GetFullPath(args[0]) : throw new ArgumentException("usage: Ligbox.Bench sizing <path of Ligbox.Console.dll>");
        var repeat = Env("SIZING_REPEAT", 3);
        var small = Env("SIZING_SMALL", 5000);
        var smallFolders = Env("SIZING_SMALL_FOLDERS", 5);
        var large = Env("SIZING_LARGE", 100);
        var largeKb = Env("SIZING_LARGE_KB", 1024);
        var mailboxSmall = Env("SIZING_MAILBOX_SMALL", 1000);
        var mailboxLarge = Env("SIZING_MAILBOX_LARGE", 40);
        var concurrency = (Environment.GetEnvironmentVariable("SIZING_CONCURRENCY") ?? "1,2,4,8").Split(',').Select(int.Parse).ToArray();
        var rows = (Environment.GetEnvironmentVariable("SIZING_ROWS") ?? "cpu,mem").Split(',');
        // The "job" row: one job of this many mailboxes x small messages each, at the console's default concurrency.
        var job = (Environment.GetEnvironmentVariable("SIZING_JOB") ?? "200x200").Split('x').Select(int.Parse).ToArray();
        // The "pst" row: a PST of this many MiB uploaded (tus) and imported through the console's API.
        var pstMb = Env("SIZING_PST_MB", 1900);

        using var source = new DovecotServer();
        using var destination = new DovecotServer(new DovecotServerOptions { CreateSpecialUseFolders = true, Fsync = true });
        // Ctrl-C or SIGTERM: stop the console being measured and both Dovecots, remove their directories, then exit.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            lock (Gate)
            {
                Stopping = true;
                Cleanup();
            }

            foreach (var server in new[] { source, destination })
            {
                server.Dispose();
                // Processes still ending may write into the directory while it is removed: try again.
                for (var attempt = 0; attempt < 10 && Directory.Exists(server.BaseDir); attempt++)
                {
                    Thread.Sleep(500);
                    try
                    {
                        Directory.Delete(server.BaseDir, recursive: true);
                    }
                    catch (IOException)
                    {
                    }
                }
            }

            Environment.Exit(130);
        }

        await Task.WhenAll(source.StartAsync(), destination.StartAsync());
        var random = new Random(17);
        var seedClock = Stopwatch.StartNew();
        var sizes = new Dictionary<string, (int Messages, long Bytes)>();
        await SeedAsync(source, "warm", random, 200, 2, 2, largeKb);
        if (rows.Contains("cpu"))
        {
            sizes["small"] = await SeedAsync(source, "small", random, small, smallFolders, 0, largeKb);
            sizes["large"] = await SeedAsync(source, "large", random, 0, 1, large, largeKb);
        }

        if (rows.Contains("mem"))
        {
            for (var i = 0; i < concurrency.Max(); i++)
            {
                sizes[$"mem{i}"] = await SeedAsync(source, $"mem{i}", random, mailboxSmall, 4, mailboxLarge, largeKb);
            }
        }

        if (rows.Contains("job"))
        {
            for (var i = 0; i < job[0]; i++)
            {
                sizes[$"job{i}"] = await SeedAsync(source, $"job{i}", random, job[1], 2, 0, largeKb);
            }
        }

        var pstDir = Directory.CreateTempSubdirectory("ligbox-sizing-pstfile-").FullName;
        var pst = Path.Combine(pstDir, "archive.pst");
        var pstMessages = 0;
        if (rows.Contains("pst"))
        {
            pstMessages = PstArchive.Write(pst, pstMb * 1024L * 1024, seed: 42).Messages;
            Console.WriteLine($"wrote a {new FileInfo(pst).Length / 1048576.0:0} MiB PST of {pstMessages} messages");
        }

        Console.WriteLine($"seeded {sizes.Count} source mailboxes ({sizes.Values.Sum(s => s.Messages)} messages, {sizes.Values.Sum(s => s.Bytes) / 1048576.0:0} MB) in {seedClock.Elapsed.TotalSeconds:0} s");
        Console.WriteLine($"settings: repeat {repeat}, small {small}, large {large} x {largeKb} KB, per mailbox {mailboxSmall} small + {mailboxLarge} large, concurrency {string.Join(",", concurrency)}");
        Console.WriteLine();

        var results = new List<Result>();
        var failures = 0;
        for (var rep = 1; rep <= repeat; rep++)
        {
            var plan = new List<(string Row, string[] Users, int K)>();
            if (rows.Contains("cpu"))
            {
                plan.Add(("cpu-small", ["small"], 1));
                plan.Add(("cpu-large", ["large"], 1));
            }

            if (rows.Contains("mem"))
            {
                plan.AddRange(concurrency.Select(k => ($"mem-{k}", Enumerable.Range(0, k).Select(i => $"mem{i}").ToArray(), k)));
            }

            if (rows.Contains("job"))
            {
                plan.Add(("job", Enumerable.Range(0, job[0]).Select(i => $"job{i}").ToArray(), RunsDefaults.MaxConcurrentMailboxes));
            }

            if (rows.Contains("pst"))
            {
                plan.Add(("pst", [], 1));
            }

            foreach (var (row, users, k) in plan)
            {
                Park();
                var r = row == "pst"
                    ? await WithConsoleAsync(dll, source, destination, row, k, rep, (api, console) => MeasurePstAsync(api, console, source, destination, rep, pst, pstMessages))
                    : await MeasureAsync(dll, source, destination, row, users, k, rep, sizes);
                if (r is null)
                {
                    failures++;
                    continue;
                }

                results.Add(r);
                Console.WriteLine($"rep {rep} {row,-9}: {r.Messages} msgs {r.Mb:0.0} MB in {r.Wall:0.0} s ({r.Messages / r.Wall:0} msg/s, {r.Mb / r.Wall:0.0} MB/s); console CPU {r.ConsoleCpu:0.00} s "
                    + $"(base RSS {r.BaseRssMb:0} MB, peak {r.PeakRssMb:0} MB); dovecot CPU src {r.SourceCpu:0.00} s dst {r.DestinationCpu:0.00} s; load {r.LoadBefore:0.0} -> {r.LoadAfter:0.0}");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"## Medians of {repeat} repetitions (per-row median of each column)");
        Console.WriteLine();
        Console.WriteLine("| row | mailboxes at once | messages | MB | wall s | wall msg/s | console CPU s | CPU s / 1,000 msgs | CPU s / GB | msg/s per core | MB/s per core | Dovecot CPU s (src / dst) | base RSS MB | peak RSS MB | load (min-max) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        var medians = new Dictionary<string, Result>();
        foreach (var group in results.GroupBy(r => r.Row))
        {
            var g = group.ToList();
            var m = new Result(group.Key, g[0].K, g[0].Messages, g[0].Mb, Median(g, r => r.Wall), Median(g, r => r.ConsoleCpu),
                Median(g, r => r.SourceCpu), Median(g, r => r.DestinationCpu), Median(g, r => r.BaseRssMb), Median(g, r => r.PeakRssMb),
                g.Min(r => Math.Min(r.LoadBefore, r.LoadAfter)), g.Max(r => Math.Max(r.LoadBefore, r.LoadAfter)));
            medians[group.Key] = m;
            Console.WriteLine($"| {m.Row} | {m.K} | {m.Messages} | {m.Mb:0} | {m.Wall:0.0} | {m.Messages / m.Wall:0} | {m.ConsoleCpu:0.00} | {m.ConsoleCpu / m.Messages * 1000:0.00} | "
                + $"{m.ConsoleCpu / (m.Mb / 1024):0.0} | {m.Messages / m.ConsoleCpu:0} | {m.Mb / m.ConsoleCpu:0.0} | {m.SourceCpu:0.00} / {m.DestinationCpu:0.00} | {m.BaseRssMb:0} | {m.PeakRssMb:0} | {m.LoadBefore:0.0}-{m.LoadAfter:0.0} |");
        }

        if (medians.TryGetValue("cpu-small", out var cs) && medians.TryGetValue("cpu-large", out var cl))
        {
            // CPU = a x messages + b x GB, solved from the two CPU rows.
            var (gs, gl) = (cs.Mb / 1024, cl.Mb / 1024);
            var a = (cs.ConsoleCpu - cl.ConsoleCpu * gs / gl) / (cs.Messages - cl.Messages * gs / gl);
            var b = (cl.ConsoleCpu - a * cl.Messages) / gl;
            Console.WriteLine();
            Console.WriteLine($"cpu: console CPU = {a * 1000:0.00} ms per message + {b:0.0} s per GB (solved from cpu-small and cpu-large)");
        }

        var mem = medians.Values.Where(m => m.Row.StartsWith("mem-", StringComparison.Ordinal)).OrderBy(m => m.K).ToList();
        if (mem.Count >= 2)
        {
            // Least squares over the medians: peak RSS = intercept + slope x K.
            var mk = mem.Average(m => (double)m.K);
            var mp = mem.Average(m => m.PeakRssMb);
            var slope = mem.Sum(m => (m.K - mk) * (m.PeakRssMb - mp)) / mem.Sum(m => (m.K - mk) * (m.K - mk));
            Console.WriteLine();
            Console.WriteLine($"memory: peak RSS = {mp - slope * mk:0} MB + {slope:0.0} MB x mailboxes at once (least squares over the medians of K = {string.Join(", ", mem.Select(m => m.K))}); "
                + $"idle console after start-up (median base RSS): {Median(mem, m => m.BaseRssMb):0} MB");
        }

        Directory.Delete(pstDir, recursive: true);
        return failures == 0 ? 0 : 2;
    }

    private static Task<Result?> MeasureAsync(string dll, DovecotServer source, DovecotServer destination, string row, string[] users, int k, int rep,
        Dictionary<string, (int Messages, long Bytes)> sizes) =>
        WithConsoleAsync(dll, source, destination, row, k, rep, (api, console) => MeasureSyncAsync(api, console, source, destination, row, users, k, rep, sizes));

    /// <summary>
    /// A fresh console on a fresh data directory (K mailboxes at once), up and warmed up (one small sync run), for
    /// <paramref name="measure"/>; stopped and its directory removed afterwards, also on Ctrl-C.
    /// </summary>
    private static async Task<Result?> WithConsoleAsync(string dll, DovecotServer source, DovecotServer destination, string row, int k, int rep,
        Func<HttpClient, Process, Task<Result?>> measure)
    {
        // The data directory inside a directory of its own: Development keeps its generated key-ring certificate
        // next to the data directory ({data}/../keys), so that is removed with it too.
        var workDir = Directory.CreateTempSubdirectory("ligbox-sizing-").FullName;
        var dataDir = Path.Combine(workDir, "data");
        var token = "lgbx_sizing_" + Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant();
        var port = LoopbackPort.Free();
        var info = ConsoleProcess.StartInfo(dll, port, dataDir, "admin@sizing.local", "Sizing-Passw0rd!");
        info.Environment["Ligbox__Bootstrap__ApiToken"] = token;
        info.Environment["Ligbox__Runs__MaxConcurrentMailboxes"] = k.ToString(CultureInfo.InvariantCulture);
        var log = new StringBuilder();
        using var console = Process.Start(info)!;
        lock (Gate)
        {
            // A console started while the driver is being stopped is not left behind.
            if (Stopping)
            {
                console.Kill(entireProcessTree: true);
                console.WaitForExit(10_000);
                Directory.Delete(workDir, recursive: true);
                return null;
            }

            Cleanup = () =>
            {
                try
                {
                    console.Kill(entireProcessTree: true);
                    console.WaitForExit(10_000);
                    Directory.Delete(workDir, recursive: true);
                }
                catch (Exception)
                {
                }
            };
        }

        console.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        console.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        console.BeginOutputReadLine();
        console.BeginErrorReadLine();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var ready = Stopwatch.StartNew();
            while (true)
            {
                if (console.HasExited || ready.Elapsed > TimeSpan.FromSeconds(120))
                {
                    Console.WriteLine($"rep {rep} {row}: the console did not start; its log:\n{Tail(log)}");
                    return null;
                }

                try
                {
                    using var response = await api.GetAsync("/api/migration/jobs");
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(250);
            }

            // Warm-up: one small run first (JIT, connection pools, first queries), as on a worker that has run before.
            if (await WarmUpAsync(api, source, destination, $"r{rep}-{row}") is { } warmFailure)
            {
                Console.WriteLine($"rep {rep} {row}: the warm-up run failed: {warmFailure}");
                return null;
            }

            return await measure(api, console);
        }
        finally
        {
            lock (Gate)
            {
                Cleanup = () => { };
            }

            if (!console.HasExited)
            {
                console.Kill(entireProcessTree: true);
                await console.WaitForExitAsync();
            }

            try
            {
                Directory.Delete(workDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<Result?> MeasureSyncAsync(HttpClient api, Process console, DovecotServer source, DovecotServer destination, string row, string[] users, int k, int rep,
        Dictionary<string, (int Messages, long Bytes)> sizes)
    {
        var targets = users.Select(user => $"{user}-r{rep}-{row}@example.com").ToList();
        var job = await CreateJobAsync(api, source, destination, $"sizing-{rep}-{row}.example",
            users.Zip(targets, (user, target) => ($"{user}@example.com", target)), $"rep {rep} {row}");
        if (job is not { } created)
        {
            return null;
        }

        var jobId = created.JobId;
        // Let start-up work settle, then the base figures.
        await Task.Delay(3000);
        var baseRss = StatusKb(console.Id, "VmRSS:") / 1024.0;
        File.WriteAllText($"/proc/{console.Id}/clear_refs", "5");
        var cpu0 = OwnCpu(console.Id);
        var src0 = DovecotCpu(source);
        var dst0 = DovecotCpu(destination);
        var load0 = Load();
        var clock = Stopwatch.StartNew();
        using var started = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/sync", new { kind = "initial" });
        var startedText = await started.Content.ReadAsStringAsync();
        if (started.StatusCode != HttpStatusCode.Accepted)
        {
            Console.WriteLine($"rep {rep} {row}: starting the run failed: {(int)started.StatusCode} {startedText}");
            return null;
        }

        var runId = JsonDocument.Parse(startedText).RootElement.GetProperty("id").GetGuid();
        var status = await WaitForRunAsync(api, runId, TimeSpan.FromMinutes(20));
        if (status is null)
        {
            Console.WriteLine($"rep {rep} {row}: the run did not end in 20 minutes");
            return null;
        }

        clock.Stop();
        var wall = clock.Elapsed.TotalSeconds;
        var cpu = OwnCpu(console.Id) - cpu0;
        var peak = StatusKb(console.Id, "VmHWM:") / 1024.0;
        // Dovecot's imap processes end shortly after the logout; give them a moment to be reaped.
        await Task.Delay(1500);
        var src = DovecotCpu(source) - src0;
        var dst = DovecotCpu(destination) - dst0;
        var load1 = Load();
        if (status != "Succeeded")
        {
            Console.WriteLine($"rep {rep} {row}: the run ended {status}: {await api.GetStringAsync($"/api/migration/runs/{runId}/log")}");
            return null;
        }

        var expected = users.Sum(u => sizes[u].Messages);
        var copied = 0;
        foreach (var target in targets)
        {
            copied += await CountAllAsync(destination, target);
        }

        if (copied != expected)
        {
            Console.WriteLine($"rep {rep} {row}: {copied} messages on the destination, expected {expected}");
            return null;
        }

        return new Result(row, k, expected, users.Sum(u => sizes[u].Bytes) / 1048576.0, wall, cpu, src, dst, baseRss, peak, load0, load1);
    }

    /// <summary>
    /// The "pst" row: the PST uploaded through the tus endpoint in 32 MiB requests (the console's CPU and peak RSS
    /// printed for the upload), then imported into one mailbox through <c>POST .../import</c>: wall time, the console's
    /// CPU and peak RSS (VmHWM reset right before), readpst's CPU (the console's waited-for children), the destination
    /// Dovecot's CPU, and the messages on the destination against the PST's. In the table, "src" is readpst's CPU.
    /// </summary>
    private static async Task<Result?> MeasurePstAsync(HttpClient api, Process console, DovecotServer source, DovecotServer destination, int rep, string pst, int messages)
    {
        var target = $"pst-r{rep}@example.com";
        var job = await CreateJobAsync(api, source, destination, $"sizing-{rep}-pst.example", [("pst@example.com", target)], $"rep {rep} pst");
        if (job is not { } created)
        {
            return null;
        }

        var (jobId, mailboxIds) = created;
        var mailboxId = mailboxIds[0];
        await Task.Delay(3000);
        var baseRss = StatusKb(console.Id, "VmRSS:") / 1024.0;
        var pstBytes = new FileInfo(pst).Length;

        File.WriteAllText($"/proc/{console.Id}/clear_refs", "5");
        var uploadCpu = OwnCpu(console.Id);
        var clock = Stopwatch.StartNew();
        var uploadId = await TusUploadAsync(api, pst, "archive.pst");
        var uploadWall = clock.Elapsed.TotalSeconds;
        uploadCpu = OwnCpu(console.Id) - uploadCpu;
        var uploadPeak = StatusKb(console.Id, "VmHWM:") / 1024.0;

        Process.Start("sync")?.WaitForExit();
        File.WriteAllText($"/proc/{console.Id}/clear_refs", "5");
        var cpu0 = OwnCpu(console.Id);
        var children0 = ChildrenCpu(console.Id);
        var dst0 = DovecotCpu(destination);
        var load0 = Load();
        clock.Restart();
        using var started = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes/{mailboxId}/import", new { uploadId });
        var startedText = await started.Content.ReadAsStringAsync();
        if (started.StatusCode != HttpStatusCode.Accepted)
        {
            Console.WriteLine($"rep {rep} pst: starting the import failed: {(int)started.StatusCode} {startedText}");
            return null;
        }

        var runId = JsonDocument.Parse(startedText).RootElement.GetProperty("runId").GetGuid();
        var status = await WaitForRunAsync(api, runId, TimeSpan.FromMinutes(30)) ?? "still running after 30 minutes";
        var wall = clock.Elapsed.TotalSeconds;
        var cpu = OwnCpu(console.Id) - cpu0;
        var readpst = ChildrenCpu(console.Id) - children0;
        var peak = StatusKb(console.Id, "VmHWM:") / 1024.0;
        await Task.Delay(1500);
        var dst = DovecotCpu(destination) - dst0;
        var load1 = Load();
        if (status != "Succeeded")
        {
            Console.WriteLine($"rep {rep} pst: the import ended {status}: {await api.GetStringAsync($"/api/migration/runs/{runId}/log")}");
            return null;
        }

        var copied = await CountAllAsync(destination, target);
        if (copied != messages)
        {
            Console.WriteLine($"rep {rep} pst: {copied} messages on the destination, expected {messages}");
            return null;
        }

        Console.WriteLine($"rep {rep} pst upload: {pstBytes / 1048576.0:0} MiB in {uploadWall:0.0} s ({pstBytes / 1048576.0 / uploadWall:0} MiB/s), console CPU {uploadCpu:0.00} s, peak RSS {uploadPeak:0} MB; "
            + $"import: readpst CPU {readpst:0.00} s");
        return new Result("pst", 1, messages, pstBytes / 1048576.0, wall, cpu, readpst, dst, baseRss, peak, load0, load1);
    }

    /// <summary>A tus 1.0 upload (creation, then PATCH requests of 32 MiB); returns the upload's id.</summary>
    private static async Task<string> TusUploadAsync(HttpClient api, string path, string name)
    {
        var length = new FileInfo(path).Length;
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/migration/uploads") { Content = new ByteArrayContent([]) };
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        create.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String(Encoding.UTF8.GetBytes(name)));
        using var created = await api.SendAsync(create);
        if (created.StatusCode != HttpStatusCode.Created || created.Headers.Location is null)
        {
            throw new InvalidOperationException($"tus creation failed: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        }

        var location = created.Headers.Location.ToString();
        await using var file = File.OpenRead(path);
        var buffer = new byte[32 << 20];
        long offset = 0;
        while (offset < length)
        {
            var read = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false);
            using var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(buffer, 0, read) };
            patch.Headers.Add("Tus-Resumable", "1.0.0");
            patch.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
            patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
            using var response = await api.SendAsync(patch);
            if (response.StatusCode != HttpStatusCode.NoContent)
            {
                throw new InvalidOperationException($"tus PATCH at {offset} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            offset += read;
        }

        return location[(location.LastIndexOf('/') + 1)..];
    }

    /// <summary>
    /// A job between the two Dovecots with one mailbox per (source user, destination account); each destination account
    /// is created first (passwords "src-pw" / "dst-pw"). Its id and the mailboxes' ids, or <c>null</c> once what failed
    /// is printed after <paramref name="what"/>.
    /// </summary>
    private static async Task<(Guid JobId, List<Guid> MailboxIds)?> CreateJobAsync(HttpClient api, DovecotServer source, DovecotServer destination, string domain,
        IEnumerable<(string SourceUser, string Target)> mailboxes, string what)
    {
        using var created = await api.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain,
            source = new { host = source.Host, port = source.Port, security = "None", auth = "Plain" },
            destination = new { host = destination.Host, port = destination.Port, security = "None", auth = "Plain" },
        });
        if (created.StatusCode != HttpStatusCode.Created)
        {
            Console.WriteLine($"{what}: creating the job failed: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
            return null;
        }

        var jobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var ids = new List<Guid>();
        foreach (var (sourceUser, target) in mailboxes)
        {
            destination.AddUser(target, "dst-pw");
            using var added = await api.PostAsJsonAsync($"/api/migration/jobs/{jobId}/mailboxes",
                new { sourceUser, sourcePassword = "src-pw", destUser = target, destPassword = "dst-pw" });
            if (added.StatusCode != HttpStatusCode.Created)
            {
                Console.WriteLine($"{what}: adding a mailbox failed: {(int)added.StatusCode} {await added.Content.ReadAsStringAsync()}");
                return null;
            }

            ids.Add((await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }

        return (jobId, ids);
    }

    private static async Task<string?> WarmUpAsync(HttpClient api, DovecotServer source, DovecotServer destination, string tag)
    {
        if (await CreateJobAsync(api, source, destination, $"warm-{tag}.example", [("warm@example.com", $"warm-{tag}@example.com")], $"warm-up {tag}") is not { } job)
        {
            return "the warm-up job could not be created";
        }

        using var started = await api.PostAsJsonAsync($"/api/migration/jobs/{job.JobId}/sync", new { kind = "initial" });
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var status = await WaitForRunAsync(api, runId, TimeSpan.FromMinutes(10));
        return status == "Succeeded" ? null : status ?? "still running after 10 minutes";
    }

    /// <summary>Polls the run every 500 ms until it has ended; its final status, or <c>null</c> after <paramref name="timeout"/>.</summary>
    private static async Task<string?> WaitForRunAsync(HttpClient api, Guid runId, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            await Task.Delay(500);
            var status = (await api.GetFromJsonAsync<JsonElement>($"/api/migration/runs/{runId}")).GetProperty("status").GetString();
            if (status is not ("Queued" or "Running" or "Resuming"))
            {
                return status;
            }
        }

        return null;
    }

    private static async Task<int> CountAllAsync(DovecotServer server, string user)
    {
        var result = await server.DoveadmAsync(["-f", "flow", "mailbox", "status", "-u", user, "messages", "*"]);
        return result.Output.Split('\n').Select(l => l.Trim()).Where(l => l.Contains("messages=", StringComparison.Ordinal))
            .Sum(l => int.Parse(l[(l.IndexOf("messages=", StringComparison.Ordinal) + 9)..].Split(' ')[0], CultureInfo.InvariantCulture));
    }

    private static async Task<(int Messages, long Bytes)> SeedAsync(DovecotServer server, string user, Random random, int small, int folders, int large, int largeKb)
    {
        server.AddUser($"{user}@example.com", "src-pw");
        long bytes = 0;
        var perFolder = small / folders;
        for (var f = 0; f < folders; f++)
        {
            var folder = f == 0 ? "INBOX" : $"Pasta {f:D2}";
            var count = f == folders - 1 ? small - perFolder * (folders - 1) : perFolder;
            var batch = new List<SeedRawMessage>();
            for (var i = 0; i < count; i++)
            {
                var raw = Message(random, user, f, i, 4600, false);
                bytes += raw.Length;
                batch.Add(new SeedRawMessage(raw, DateTimeOffset.UtcNow.AddMinutes(-random.Next(1, 500_000)), i % 3 == 0 ? MessageFlags.None : MessageFlags.Seen));
            }

            if (f == 0)
            {
                for (var i = 0; i < large; i++)
                {
                    var raw = Message(random, user, f, count + i, largeKb * 1024, true);
                    bytes += raw.Length;
                    batch.Add(new SeedRawMessage(raw, DateTimeOffset.UtcNow.AddMinutes(-random.Next(1, 500_000)), MessageFlags.Seen));
                }
            }

            Park();
            await server.SeedMaildirAsync($"{user}@example.com", folder, batch);
        }

        return (small + large, bytes);
    }

    /// <summary>A ~5 KB text message, or a message of about <paramref name="size"/> bytes with a base64 attachment.</summary>
    private static byte[] Message(Random random, string user, int folder, int index, int size, bool attachment)
    {
        var head = $"From: Cliente {folder} <cliente{folder}@example.com>\r\nTo: {user} <{user}@example.com>\r\n"
            + $"Subject: Proposta {folder}-{index}\r\nMessage-ID: <sizing-{user}-{folder}-{index}@example.com>\r\n"
            + $"Date: {DateTimeOffset.UtcNow.AddMinutes(-index):r}\r\nMIME-Version: 1.0\r\n";
        if (!attachment)
        {
            var body = new StringBuilder();
            while (body.Length < size)
            {
                body.Append(Words[random.Next(Words.Length)]).Append(body.Length % 72 < 8 ? "\r\n" : " ");
            }

            return Encoding.UTF8.GetBytes(head + $"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n");
        }

        var data = new byte[size * 3 / 4];
        random.NextBytes(data);
        var encoded = Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks);
        return Encoding.ASCII.GetBytes(head + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSegue o anexo.\r\n"
            + $"--b\r\nContent-Type: application/octet-stream; name=\"anexo.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--b--\r\n");
    }

    /// <summary>user+sys CPU seconds of one process.</summary>
    /// <summary>CPU-seconds of the children the process has waited for (cutime + cstime: readpst, once it has exited).</summary>
    private static double ChildrenCpu(int pid) => StatFields(pid) is { } f
        ? (long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture)) / Tick
        : 0;

    private static double OwnCpu(int pid)
    {
        var f = StatFields(pid);
        return f is null ? 0 : (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / Tick;
    }

    /// <summary>user+sys CPU seconds of a Dovecot instance: its master and every live descendant (own + reaped children's).</summary>
    private static double DovecotCpu(DovecotServer server)
    {
        var pidFile = Path.Combine(server.BaseDir, "run", "master.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var master))
        {
            return 0;
        }

        var parents = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && StatFields(pid) is { } f)
            {
                var ticks = long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)
                    + long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture);
                parents[pid] = (int.Parse(f[1], CultureInfo.InvariantCulture), ticks);
            }
        }

        long total = 0;
        foreach (var (pid, (_, ticks)) in parents)
        {
            for (var p = pid; p > 1 && parents.ContainsKey(p); p = parents[p].Parent)
            {
                if (p == master)
                {
                    total += ticks;
                    break;
                }
            }
        }

        return total / Tick;
    }

    /// <summary>The fields of /proc/PID/stat after the command name: [0] = state, [1] = ppid, [11] = utime, [12] = stime, [13] = cutime, [14] = cstime.</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long StatusKb(int pid, string key) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith(key, StringComparison.Ordinal))
            .Select(l => long.Parse(l[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).FirstOrDefault();

    private static double Load() => double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    private static double Median<T>(IEnumerable<T> items, Func<T, double> value)
    {
        var sorted = items.Select(value).OrderBy(v => v).ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var v) ? v : fallback;

    private static string Tail(StringBuilder log)
    {
        lock (log)
        {
            return string.Join('\n', log.ToString().Split('\n').TakeLast(30));
        }
    }

    private static readonly string[] Words =
    [
        "proposta", "contrato", "reunião", "orçamento", "cliente", "entrega", "prazo", "equipe", "relatório", "migração",
        "servidor", "caixa", "mensagem", "anexo", "pagamento", "fatura", "projeto", "cronograma", "aprovação", "revisão",
    ];

    private sealed record Result(string Row, int K, int Messages, double Mb, double Wall, double ConsoleCpu, double SourceCpu, double DestinationCpu,
        double BaseRssMb, double PeakRssMb, double LoadBefore, double LoadAfter);
}
